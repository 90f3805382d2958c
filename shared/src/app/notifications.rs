//! Applying Amazon SP-API notifications (listing status and quantity,
//! fulfilment order status) to listings and orders.
