//! The function table: every Lambda function of the deployment and what it
//! needs, written once.
//!
//! Each `functions/<name>/src/main.rs` hands its row to [`crate::lambda`];
//! [`crate::config::Config::for_function`] reads only the settings the row
//! calls for (and requires them); [`crate::wiring::build_app`] gives the
//! function a publisher for exactly the queues it publishes to, a mailer if
//! it mails and the token keys if it serves HTTP; and
//! `shared/tests/deployment.rs` checks `template.yaml` against the rows
//! (environment, event sources, queue and SES permissions, schedules).

use crate::http::RouteGroup;
use crate::ports::{PublishQueue, QueueName};

/// An EventBridge schedule, as the template declares it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Schedule {
    /// The template parameter that holds the schedule expression.
    pub parameter: &'static str,
    /// The parameter's default expression.
    pub default: &'static str,
}

/// What invokes a function.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trigger {
    /// API Gateway (HTTP API) requests for the routes of these groups.
    Http(&'static [RouteGroup]),
    /// SQS batches from these queues.
    Queues(&'static [QueueName]),
    /// An EventBridge schedule.
    Schedule(Schedule),
}

/// One Lambda function: its binary name (the crate in `functions/`) and
/// what it uses besides the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Function {
    pub name: &'static str,
    pub trigger: Trigger,
    /// Queues it publishes to; each needs its URL variable.
    pub publishes: &'static [PublishQueue],
    /// Sends email (SES v2; needs `SENDER_EMAIL`).
    pub mails: bool,
    /// Calls Amazon's SP-API in mcf mode (needs the `SPAPI_*`/`LWA_*`
    /// settings there; see [`crate::config::AmazonConfig`]).
    pub amazon: bool,
}

impl Function {
    /// The route groups it serves (none unless it is an API function).
    pub fn routes(&self) -> &'static [RouteGroup] {
        match self.trigger {
            Trigger::Http(groups) => groups,
            _ => &[],
        }
    }

    /// The queues it consumes.
    pub fn consumes(&self) -> &'static [QueueName] {
        match self.trigger {
            Trigger::Queues(queues) => queues,
            _ => &[],
        }
    }

    pub fn schedule(&self) -> Option<Schedule> {
        match self.trigger {
            Trigger::Schedule(schedule) => Some(schedule),
            _ => None,
        }
    }

    /// Whether it signs or checks bearer tokens, and so needs
    /// `TOKEN_SECRET`: the API functions, and they alone (queue consumers
    /// and jobs never see a token, so they are not given the secret).
    pub fn needs_token_secret(&self) -> bool {
        matches!(self.trigger, Trigger::Http(_))
    }
}

pub const AUTH_API: Function = Function {
    name: "auth-api",
    trigger: Trigger::Http(&[RouteGroup::Auth, RouteGroup::Docs]),
    publishes: &[],
    mails: false,
    amazon: false,
};

/// An edit or a stock adjustment of an `amazon_mfn` listing schedules its
/// push to Amazon.
pub const LISTINGS_API: Function = Function {
    name: "listings-api",
    trigger: Trigger::Http(&[RouteGroup::Listings, RouteGroup::Docs]),
    publishes: &[PublishQueue::AmazonSync],
    mails: false,
    amazon: false,
};

/// Placing an order publishes OrderPlaced; placing and cancelling move
/// stock, which `amazon_mfn` listings push to Amazon.
pub const ORDERS_API: Function = Function {
    name: "orders-api",
    trigger: Trigger::Http(&[RouteGroup::Orders, RouteGroup::Docs]),
    publishes: &[PublishQueue::Orders, PublishQueue::AmazonSync],
    mails: false,
    amazon: true,
};

/// Approving a reorder publishes it for the mailer; receiving one adds
/// stock (pushed to Amazon for `amazon_mfn` listings).
pub const ADMIN_API: Function = Function {
    name: "admin-api",
    trigger: Trigger::Http(&[RouteGroup::Admin, RouteGroup::Docs]),
    publishes: &[PublishQueue::Reorders, PublishQueue::AmazonSync],
    mails: false,
    amazon: false,
};

/// Processing an order may raise reorders at once; a failed order
/// releases stock (pushed to Amazon for `amazon_mfn` listings).
pub const ORDER_PROCESSOR: Function = Function {
    name: "order-processor",
    trigger: Trigger::Queues(&[QueueName::Orders]),
    publishes: &[PublishQueue::Reorders, PublishQueue::AmazonSync],
    mails: false,
    amazon: true,
};

/// A quantity change may take a listing under its reorder point; Amazon's
/// own change of an `amazon_mfn` listing schedules a push back.
pub const LISTING_NOTIFICATIONS: Function = Function {
    name: "listing-notifications",
    trigger: Trigger::Queues(&[QueueName::ListingStatus, QueueName::ListingQuantity]),
    publishes: &[PublishQueue::Reorders, PublishQueue::AmazonSync],
    mails: false,
    amazon: false,
};

/// An MCF order cancelled or unfulfillable releases stock (pushed to
/// Amazon for `amazon_mfn` listings).
pub const FULFILLMENT_NOTIFICATIONS: Function = Function {
    name: "fulfillment-notifications",
    trigger: Trigger::Queues(&[QueueName::FulfillmentStatus]),
    publishes: &[PublishQueue::AmazonSync],
    mails: false,
    amazon: false,
};

pub const REORDER_MAILER: Function = Function {
    name: "reorder-mailer",
    trigger: Trigger::Queues(&[QueueName::Reorders]),
    publishes: &[],
    mails: true,
    amazon: false,
};

/// Pushes `amazon_mfn` listings' stock and price to Amazon (SP-API).
pub const AMAZON_SYNC: Function = Function {
    name: "amazon-sync",
    trigger: Trigger::Queues(&[QueueName::AmazonSync]),
    publishes: &[],
    mails: false,
    amazon: true,
};

pub const STOCK_CHECK: Function = Function {
    name: "stock-check",
    trigger: Trigger::Schedule(Schedule {
        parameter: "StockCheckSchedule",
        default: "rate(15 minutes)",
    }),
    publishes: &[PublishQueue::Reorders],
    mails: false,
    amazon: false,
};

pub const ORDER_RECOVERY: Function = Function {
    name: "order-recovery",
    trigger: Trigger::Schedule(Schedule {
        parameter: "OrderRecoverySchedule",
        default: "rate(5 minutes)",
    }),
    publishes: &[PublishQueue::Orders],
    mails: false,
    amazon: false,
};

pub const DEMAND_FORECAST: Function = Function {
    name: "demand-forecast",
    trigger: Trigger::Schedule(Schedule {
        parameter: "DemandForecastSchedule",
        default: "cron(30 5 * * ? *)",
    }),
    publishes: &[PublishQueue::Reorders],
    mails: false,
    amazon: false,
};

/// Every function of the deployment.
pub const ALL: [&Function; 12] = [
    &AUTH_API,
    &LISTINGS_API,
    &ORDERS_API,
    &ADMIN_API,
    &ORDER_PROCESSOR,
    &LISTING_NOTIFICATIONS,
    &FULFILLMENT_NOTIFICATIONS,
    &REORDER_MAILER,
    &AMAZON_SYNC,
    &STOCK_CHECK,
    &ORDER_RECOVERY,
    &DEMAND_FORECAST,
];

/// The function of this binary name.
pub fn named(name: &str) -> Option<&'static Function> {
    ALL.into_iter().find(|f| f.name == name)
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;
    use crate::http::ROUTES;

    #[test]
    fn names_are_unique_and_found() {
        let names: BTreeSet<&str> = ALL.iter().map(|f| f.name).collect();
        assert_eq!(names.len(), ALL.len());
        for f in ALL {
            assert_eq!(named(f.name), Some(f));
        }
        assert_eq!(named("no-such-function"), None);
    }

    #[test]
    fn every_queue_has_one_consumer_and_every_route_group_a_function() {
        for queue in QueueName::ALL {
            let consumers: Vec<&str> = ALL
                .iter()
                .filter(|f| f.consumes().contains(&queue))
                .map(|f| f.name)
                .collect();
            assert_eq!(consumers.len(), 1, "{queue}: {consumers:?}");
        }
        for route in ROUTES.iter() {
            assert!(
                ALL.iter().any(|f| f.routes().contains(&route.group)),
                "{} {} is served by no function",
                route.method,
                route.path
            );
        }
    }

    #[test]
    fn the_functions_that_call_amazon_are_named() {
        let calling: Vec<&str> = ALL.iter().filter(|f| f.amazon).map(|f| f.name).collect();
        for name in ["orders-api", "order-processor"] {
            assert!(calling.contains(&name), "{calling:?}");
        }
        assert!(!calling.contains(&"auth-api"), "{calling:?}");
    }

    #[test]
    fn only_the_api_functions_need_the_token_secret() {
        let needing: Vec<&str> = ALL
            .iter()
            .filter(|f| f.needs_token_secret())
            .map(|f| f.name)
            .collect();
        assert_eq!(
            needing,
            ["auth-api", "listings-api", "orders-api", "admin-api"]
        );
    }
}
