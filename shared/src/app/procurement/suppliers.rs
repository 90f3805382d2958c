//! Suppliers: the admin's list, reads and create-or-replace.

use crate::app::{App, AppError, Resource};
use crate::domain::{Rating, Supplier, SupplierEmail, SupplierId};
use crate::ports::{Page, PageRequest};

/// The longest supplier name, in characters.
pub const MAX_NAME_CHARS: usize = 200;

/// The writable fields of a supplier (`PUT /suppliers/{id}`).
#[derive(Debug, Clone)]
pub struct SupplierInput {
    /// Trimmed here; 1 to [`MAX_NAME_CHARS`] characters, no control characters.
    pub name: String,
    pub email: SupplierEmail,
    pub rating: Rating,
    /// Every reorder waits for approval, whatever the rating.
    pub manual_approval: bool,
}

/// Suppliers in id order.
pub async fn list(app: &App, page: &PageRequest) -> Result<Page<Supplier>, AppError> {
    Ok(app.store.list_suppliers(page).await?)
}

pub async fn get(app: &App, supplier_id: &SupplierId) -> Result<Supplier, AppError> {
    app.store
        .get_supplier(supplier_id)
        .await?
        .ok_or(AppError::NotFound(Resource::Supplier))
}

/// Creates or replaces the supplier. Returns it and whether it was created.
pub async fn put(
    app: &App,
    supplier_id: SupplierId,
    input: SupplierInput,
) -> Result<(Supplier, bool), AppError> {
    let name = input.name.trim();
    if name.is_empty()
        || name.chars().count() > MAX_NAME_CHARS
        || name.chars().any(char::is_control)
    {
        return Err(AppError::invalid_field(
            "name",
            format!("must be 1 to {MAX_NAME_CHARS} characters"),
        ));
    }
    let supplier = Supplier {
        supplier_id,
        name: name.to_owned(),
        email: input.email,
        rating: input.rating,
        manual_approval: input.manual_approval,
        updated_at: app.clock.now(),
    };
    let created = app.store.put_supplier(&supplier).await?;
    tracing::info!(supplier_id = %supplier.supplier_id, created, "supplier saved");
    Ok((supplier, created))
}
