//! Demo data: a small catalogue, two suppliers (one that needs approval)
//! and the admin account. Existing records are left alone, so restarting
//! against a persistent store does not reset stock.

use stockroom::app::{App, AppError, ensure_admin};
use stockroom::auth::Password;
use stockroom::domain::{
    ListingDraft, ListingStatus, Price, Rating, Sku, Stock, Supplier, SupplierEmail, SupplierId,
    Title, Username,
};

/// (sku, title, price, stock, reorder point, supplier)
const CATALOGUE: &[(&str, &str, &str, i64, u32, &str)] = &[
    ("MUG-BLUE", "Blue enamel mug", "12.50", 120, 20, "acme"),
    ("MUG-RED", "Red enamel mug", "12.50", 8, 20, "acme"),
    (
        "TEE-M",
        "Organic cotton tee, M",
        "24.00",
        60,
        15,
        "threadworks",
    ),
    (
        "TEE-L",
        "Organic cotton tee, L",
        "24.00",
        45,
        15,
        "threadworks",
    ),
    (
        "BAG-TOTE",
        "Canvas tote bag",
        "18.90",
        30,
        10,
        "threadworks",
    ),
    ("NOTE-A5", "A5 dotted notebook", "9.99", 200, 40, "acme"),
    ("PEN-BLK", "Black gel pen, 3-pack", "4.75", 3, 25, "acme"),
    ("CANDLE-FIG", "Fig soy candle", "21.00", 15, 5, "acme"),
];

/// (id, name, email, rating, manual approval)
const SUPPLIERS: &[(&str, &str, &str, i64, bool)] = &[
    ("acme", "Acme Wholesale", "orders@acme.example", 5, false),
    (
        "threadworks",
        "Threadworks Ltd",
        "purchasing@threadworks.example",
        2,
        false,
    ),
];

#[derive(Debug, thiserror::Error)]
pub enum SeedError {
    #[error("invalid seed value: {0}")]
    Invalid(String),
    #[error("admin account: {0}")]
    Admin(#[source] AppError),
    #[error(transparent)]
    Store(#[from] stockroom::ports::StoreError),
}

fn invalid(e: impl std::fmt::Display) -> SeedError {
    SeedError::Invalid(e.to_string())
}

/// Creates the admin account if missing.
pub async fn admin(app: &App, username: &str, password: &str) -> Result<(), SeedError> {
    let username = Username::parse(username)
        .map_err(|e| SeedError::Invalid(format!("ADMIN_USERNAME: {e}")))?;
    let password = Password::parse(password)
        .map_err(|e| SeedError::Invalid(format!("ADMIN_PASSWORD: {e}")))?;
    ensure_admin(app, username, password)
        .await
        .map_err(SeedError::Admin)?;
    Ok(())
}

/// Loads the demo suppliers and listings that do not exist yet. Returns
/// how many listings were created.
pub async fn catalogue(app: &App) -> Result<usize, SeedError> {
    let now = app.clock.now();
    for (id, name, email, rating, manual) in SUPPLIERS {
        let supplier_id = SupplierId::parse(id).map_err(invalid)?;
        if app.store.get_supplier(&supplier_id).await?.is_none() {
            app.store
                .put_supplier(&Supplier {
                    supplier_id,
                    name: (*name).to_owned(),
                    email: SupplierEmail::parse(email).map_err(invalid)?,
                    rating: Rating::new(*rating).map_err(invalid)?,
                    manual_approval: *manual,
                    updated_at: now,
                })
                .await?;
        }
    }
    let mut created = 0;
    for (sku, title, price, stock, reorder_point, supplier) in CATALOGUE {
        let sku = Sku::parse(sku).map_err(invalid)?;
        if app.store.get_listing(&sku).await?.is_some() {
            continue;
        }
        let draft = ListingDraft {
            sku,
            title: Title::parse(title).map_err(invalid)?,
            price: Price::parse(price).map_err(invalid)?,
            currency: app.settings.currency,
            available: Some(Stock::new(*stock).map_err(invalid)?),
            status: Some(ListingStatus::Active),
            supplier_id: Some(SupplierId::parse(supplier).map_err(invalid)?),
            reorder_point: *reorder_point,
            reorder_quantity: app.settings.default_reorder_quantity,
            lead_time_days: app.settings.default_lead_time_days,
            auto_reorder_point: false,
            amazon_mfn: None,
        };
        app.store.put_listing(&draft, now).await?;
        created += 1;
    }
    Ok(created)
}
