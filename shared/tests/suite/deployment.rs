//! The SAM template against the code: every function crate is deployed
//! with its own binary and has sample events, every route of the route
//! table is wired to the function that serves it (and nothing else is),
//! every environment variable is one the configuration reads, every queue
//! has a dead-letter queue, every SQS event source reports partial batch
//! failures, and the table is the one the DynamoDB adapter creates.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde_json::Value as Json;
use serde_norway::Value;
use stockroom::config::Config;
use stockroom::http::{ROUTES, RouteGroup};

/// Functions the template may name before their crate lands on this branch.
/// Such a function still needs sample events; once its crate exists it is
/// checked like every other.
const PENDING_FUNCTIONS: &[&str] = &["demand-forecast"];

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

fn template() -> Value {
    let text = std::fs::read_to_string(root().join("template.yaml")).unwrap();
    serde_norway::from_str(&text).expect("template.yaml parses")
}

/// A YAML value with any CloudFormation short-form tag (`!Ref`, `!If`...)
/// taken off.
fn untag(v: &Value) -> &Value {
    match v {
        Value::Tagged(t) => untag(&t.value),
        other => other,
    }
}

fn tag(v: &Value) -> Option<String> {
    match v {
        Value::Tagged(t) => Some(t.tag.to_string()),
        _ => None,
    }
}

fn str_of(v: &Value) -> &str {
    untag(v)
        .as_str()
        .unwrap_or_else(|| panic!("expected a string, got {v:?}"))
}

fn mapping(v: &Value) -> &serde_norway::Mapping {
    untag(v)
        .as_mapping()
        .unwrap_or_else(|| panic!("expected a mapping, got {v:?}"))
}

fn resources(t: &Value) -> BTreeMap<String, Value> {
    mapping(&t["Resources"])
        .iter()
        .map(|(k, v)| (str_of(k).to_owned(), v.clone()))
        .collect()
}

fn of_type(t: &Value, ty: &str) -> BTreeMap<String, Value> {
    resources(t)
        .into_iter()
        .filter(|(_, r)| r["Type"].as_str() == Some(ty))
        .collect()
}

/// Binary name → (logical id, resource) of every function in the template.
fn functions(t: &Value) -> BTreeMap<String, (String, Value)> {
    let mut out = BTreeMap::new();
    for (id, f) in of_type(t, "AWS::Serverless::Function") {
        assert_eq!(
            f["Metadata"]["BuildMethod"].as_str(),
            Some("rust-cargolambda"),
            "{id} is built by cargo-lambda"
        );
        let binary = f["Metadata"]["BuildProperties"]["Binary"]
            .as_str()
            .unwrap_or_else(|| panic!("{id} names its binary in Metadata.BuildProperties"))
            .to_owned();
        assert!(
            out.insert(binary.clone(), (id, f)).is_none(),
            "two functions build {binary}"
        );
    }
    out
}

fn dirs(path: &Path) -> BTreeSet<String> {
    std::fs::read_dir(path)
        .unwrap()
        .map(|e| e.unwrap())
        .filter(|e| e.file_type().unwrap().is_dir())
        .map(|e| e.file_name().into_string().unwrap())
        .collect()
}

/// The `[package] name` of a function crate.
fn package_name(dir: &Path) -> String {
    let manifest = std::fs::read_to_string(dir.join("Cargo.toml")).unwrap();
    manifest
        .lines()
        .find_map(|l| {
            l.strip_prefix("name = \"")
                .and_then(|rest| rest.strip_suffix('"'))
        })
        .unwrap_or_else(|| panic!("no package name in {}", dir.display()))
        .to_owned()
}

fn event_kinds(f: &Value) -> BTreeSet<String> {
    match untag(&f["Properties"]["Events"]) {
        Value::Mapping(m) => m
            .values()
            .map(|e| e["Type"].as_str().unwrap().to_owned())
            .collect(),
        _ => BTreeSet::new(),
    }
}

fn event_files(function: &str) -> Vec<PathBuf> {
    let dir = root().join("events").join(function);
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    files
}

#[test]
fn every_function_crate_is_deployed_and_has_events() {
    let t = template();
    let deployed = functions(&t);
    let crates = dirs(&root().join("functions"));
    assert!(!crates.is_empty());
    for name in &crates {
        assert_eq!(
            &package_name(&root().join("functions").join(name)),
            name,
            "functions/{name} builds a binary of its own name"
        );
        assert!(
            deployed.contains_key(name),
            "functions/{name} is not in template.yaml"
        );
    }
    for name in deployed.keys() {
        assert!(
            crates.contains(name) || PENDING_FUNCTIONS.contains(&name.as_str()),
            "template.yaml deploys {name}, which has no crate in functions/"
        );
        assert!(
            !event_files(name).is_empty(),
            "{name} has no sample event in events/{name}/"
        );
    }
    for dir in dirs(&root().join("events")) {
        assert!(
            deployed.contains_key(&dir),
            "events/{dir}/ belongs to no deployed function"
        );
    }
}

#[test]
fn functions_run_on_al2023_arm64() {
    let t = template();
    let globals = &t["Globals"]["Function"];
    assert_eq!(globals["Runtime"].as_str(), Some("provided.al2023"));
    assert_eq!(globals["Handler"].as_str(), Some("bootstrap"));
    let archs: Vec<&str> = globals["Architectures"]
        .as_sequence()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap())
        .collect();
    assert_eq!(archs, ["arm64"]);
    for (name, (id, f)) in functions(&t) {
        for key in ["Runtime", "Architectures", "Handler"] {
            assert!(
                f["Properties"].get(key).is_none(),
                "{id} ({name}) overrides the global {key}"
            );
        }
    }
}

/// The function that serves a route group in the deployment.
fn function_of(group: RouteGroup) -> &'static str {
    match group {
        RouteGroup::Auth | RouteGroup::Docs => "auth-api",
        RouteGroup::Listings => "listings-api",
        RouteGroup::Orders => "orders-api",
        RouteGroup::Admin => "admin-api",
    }
}

#[test]
fn every_route_goes_to_its_function_and_no_other_route_exists() {
    let t = template();
    let mut wired: BTreeSet<(String, String, String)> = BTreeSet::new();
    for (name, (id, f)) in functions(&t) {
        let Value::Mapping(events) = untag(&f["Properties"]["Events"]) else {
            continue;
        };
        for (event_id, e) in events {
            let event_id = str_of(event_id);
            if e["Type"].as_str() != Some("HttpApi") {
                continue;
            }
            let p = &e["Properties"];
            assert_eq!(
                tag(&p["ApiId"]).as_deref(),
                Some("!Ref"),
                "{id}.{event_id} names the API"
            );
            assert_eq!(str_of(&p["ApiId"]), "HttpApi", "{id}.{event_id}");
            let route = (
                str_of(&p["Method"]).to_owned(),
                str_of(&p["Path"]).to_owned(),
                name.clone(),
            );
            assert!(wired.insert(route.clone()), "{route:?} is wired twice");
        }
    }
    let expected: BTreeSet<(String, String, String)> = ROUTES
        .iter()
        .map(|r| {
            (
                r.method.as_str().to_owned(),
                r.path.to_owned(),
                function_of(r.group).to_owned(),
            )
        })
        .collect();
    let missing: Vec<_> = expected.difference(&wired).collect();
    let extra: Vec<_> = wired.difference(&expected).collect();
    assert!(
        missing.is_empty(),
        "routes not in the template: {missing:?}"
    );
    assert!(extra.is_empty(), "template routes not in ROUTES: {extra:?}");
}

#[test]
fn sample_events_match_their_functions_triggers() {
    let t = template();
    for (name, (_, f)) in functions(&t) {
        let kinds = event_kinds(&f);
        let routes: BTreeSet<String> = ROUTES
            .iter()
            .filter(|r| function_of(r.group) == name)
            .map(|r| format!("{} {}", r.method, r.path))
            .collect();
        for file in event_files(&name) {
            let event: Json =
                serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
            let shown = file.strip_prefix(root()).unwrap().display().to_string();
            if let Some(route_key) = event.get("routeKey") {
                assert!(
                    kinds.contains("HttpApi"),
                    "{shown}: {name} has no HTTP route"
                );
                assert!(
                    routes.contains(route_key.as_str().unwrap()),
                    "{shown}: {route_key} is not a route of {name}"
                );
            } else if event.get("Records").is_some() {
                assert!(kinds.contains("SQS"), "{shown}: {name} reads no queue");
                assert_eq!(event["Records"][0]["eventSource"], "aws:sqs", "{shown}");
            } else {
                assert!(
                    kinds.contains("Schedule"),
                    "{shown}: {name} has no schedule"
                );
                assert_eq!(event["detail-type"], "Scheduled Event", "{shown}");
            }
        }
    }
}

/// Every variable `Config` reads, found by letting it read through a
/// recording lookup once per store backend.
fn config_variables() -> BTreeSet<String> {
    let seen = Mutex::new(BTreeSet::new());
    for store in ["memory", "dynamodb", "mongodb"] {
        Config::from_lookup(|name| {
            seen.lock().unwrap().insert(name.to_owned());
            match name {
                "STORE" => Some(store.to_owned()),
                "TABLE_NAME" => Some("t".into()),
                "MONGODB_URI" => Some("mongodb://localhost".into()),
                "TOKEN_SECRET" => Some("0123456789abcdef0123456789abcdef".into()),
                _ => None,
            }
        })
        .unwrap();
    }
    let mut names = seen.into_inner().unwrap();
    // Read by the log filter (`telemetry::init`, tracing's EnvFilter), not by `Config`.
    names.insert("RUST_LOG".to_owned());
    names
}

fn variables(env: &Value) -> BTreeSet<String> {
    match untag(&env["Variables"]) {
        Value::Mapping(m) => m.keys().map(|k| str_of(k).to_owned()).collect(),
        _ => BTreeSet::new(),
    }
}

/// The variables a function needs beyond the shared ones, read from the
/// `Needs` in its `main.rs`: a queue URL per queue it publishes to, and
/// the sender if it mails. A pending function without a crate is expected
/// to publish reorders.
fn own_environment(function: &str) -> BTreeSet<String> {
    let main = root().join("functions").join(function).join("src/main.rs");
    let source = match std::fs::read_to_string(&main) {
        Ok(source) => source,
        Err(_) if PENDING_FUNCTIONS.contains(&function) => "QueueName::Reorders".to_owned(),
        Err(e) => panic!("{}: {e}", main.display()),
    };
    let mut vars = BTreeSet::new();
    for (needle, var) in [
        ("QueueName::Orders", "ORDERS_QUEUE_URL"),
        ("QueueName::Reorders", "REORDERS_QUEUE_URL"),
        ("mailer: true", "SENDER_EMAIL"),
    ] {
        if source.contains(needle) {
            vars.insert(var.to_owned());
        }
    }
    vars
}

#[test]
fn environment_variables_are_the_ones_config_reads() {
    let t = template();
    let known = config_variables();
    for var in [
        "STORE",
        "TABLE_NAME",
        "MONGODB_URI",
        "TOKEN_SECRET",
        "SENDER_EMAIL",
    ] {
        assert!(known.contains(var), "Config no longer reads {var}?");
    }
    let global = variables(&t["Globals"]["Function"]["Environment"]);
    for var in &global {
        assert!(
            known.contains(var),
            "Globals sets {var}, which config.rs never reads"
        );
    }
    for required in ["STORE", "TABLE_NAME", "MONGODB_URI", "TOKEN_SECRET"] {
        assert!(global.contains(required), "Globals lacks {required}");
    }
    let deployed = functions(&t);
    for (name, (id, f)) in &deployed {
        let own = variables(&f["Properties"]["Environment"]);
        for var in &own {
            assert!(
                known.contains(var),
                "{id} sets {var}, which config.rs never reads"
            );
        }
        let expected = own_environment(name);
        assert_eq!(&own, &expected, "{id}: its own environment");
    }
}

#[test]
fn queues_have_dead_letter_queues_and_consumers_report_batch_failures() {
    let t = template();
    let queues = of_type(&t, "AWS::SQS::Queue");
    let dlqs: BTreeSet<&String> = queues
        .keys()
        .filter(|k| k.ends_with("DeadLetterQueue"))
        .collect();
    let mains: Vec<&String> = queues.keys().filter(|k| !dlqs.contains(k)).collect();
    let names: BTreeSet<&str> = mains.iter().map(|s| s.as_str()).collect();
    assert_eq!(
        names,
        BTreeSet::from([
            "OrdersQueue",
            "ReordersQueue",
            "ListingStatusQueue",
            "ListingQuantityQueue",
            "FulfillmentStatusQueue"
        ])
    );
    for q in mains {
        let redrive = &queues[q]["Properties"]["RedrivePolicy"];
        let target = &redrive["deadLetterTargetArn"];
        assert_eq!(tag(target).as_deref(), Some("!GetAtt"), "{q}");
        let dlq = q.replace("Queue", "DeadLetterQueue");
        assert_eq!(
            str_of(target),
            format!("{dlq}.Arn"),
            "{q} redrives to {dlq}"
        );
        assert!(dlqs.contains(&dlq), "{dlq} exists");
        assert!(
            redrive.get("maxReceiveCount").is_some(),
            "{q} maxReceiveCount"
        );
    }
    let mut consumed = BTreeSet::new();
    for (name, (id, f)) in functions(&t) {
        let Value::Mapping(events) = untag(&f["Properties"]["Events"]) else {
            continue;
        };
        for (event_id, e) in events {
            let event_id = str_of(event_id);
            if e["Type"].as_str() != Some("SQS") {
                continue;
            }
            let p = &e["Properties"];
            let types: Vec<&str> = p["FunctionResponseTypes"]
                .as_sequence()
                .unwrap_or_else(|| panic!("{id}.{event_id} has no FunctionResponseTypes"))
                .iter()
                .map(|v| v.as_str().unwrap())
                .collect();
            assert_eq!(types, ["ReportBatchItemFailures"], "{id}.{event_id}");
            let queue = str_of(&p["Queue"]).trim_end_matches(".Arn").to_owned();
            assert!(consumed.insert(queue.clone()), "{queue} has two consumers");
            let timeout = f["Properties"]["Timeout"].as_u64().unwrap_or(10);
            let visibility = queues[&queue]["Properties"]["VisibilityTimeout"]
                .as_u64()
                .unwrap_or(30);
            assert!(
                visibility >= 6 * timeout,
                "{queue}: visibility {visibility}s is under 6 x {name}'s timeout {timeout}s"
            );
        }
    }
    assert_eq!(
        consumed.len(),
        5,
        "every queue has a consumer: {consumed:?}"
    );
}

#[cfg(feature = "dynamodb")]
#[test]
fn the_table_is_the_one_the_adapter_creates() {
    use stockroom::store::dynamodb::{TTL_ATTRIBUTE, table_definition};

    let t = template();
    let table = &resources(&t)["Table"]["Properties"];
    let def = table_definition("t").unwrap();

    assert_eq!(
        table["BillingMode"].as_str(),
        def.billing_mode().map(|b| b.as_str())
    );
    let keys = |v: &Value| -> Vec<(String, String)> {
        v.as_sequence()
            .unwrap()
            .iter()
            .map(|k| {
                (
                    k["AttributeName"].as_str().unwrap().to_owned(),
                    k["KeyType"].as_str().unwrap().to_owned(),
                )
            })
            .collect()
    };
    let sdk_keys = |ks: &[aws_sdk_dynamodb::types::KeySchemaElement]| -> Vec<(String, String)> {
        ks.iter()
            .map(|k| {
                (
                    k.attribute_name().to_owned(),
                    k.key_type().as_str().to_owned(),
                )
            })
            .collect()
    };
    assert_eq!(keys(&table["KeySchema"]), sdk_keys(def.key_schema()));

    let attrs: BTreeSet<(String, String)> = table["AttributeDefinitions"]
        .as_sequence()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["AttributeName"].as_str().unwrap().to_owned(),
                a["AttributeType"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let sdk_attrs: BTreeSet<(String, String)> = def
        .attribute_definitions()
        .iter()
        .map(|a| {
            (
                a.attribute_name().to_owned(),
                a.attribute_type().as_str().to_owned(),
            )
        })
        .collect();
    assert_eq!(attrs, sdk_attrs);

    type Index = (Vec<(String, String)>, String, BTreeSet<String>);
    let indexes: BTreeMap<String, Index> = table["GlobalSecondaryIndexes"]
        .as_sequence()
        .unwrap()
        .iter()
        .map(|g| {
            let projection = &g["Projection"];
            let non_key = projection
                .get("NonKeyAttributes")
                .and_then(|n| n.as_sequence())
                .map(|n| n.iter().map(|a| a.as_str().unwrap().to_owned()).collect())
                .unwrap_or_default();
            (
                g["IndexName"].as_str().unwrap().to_owned(),
                (
                    keys(&g["KeySchema"]),
                    projection["ProjectionType"].as_str().unwrap().to_owned(),
                    non_key,
                ),
            )
        })
        .collect();
    let sdk_indexes: BTreeMap<String, Index> = def
        .global_secondary_indexes()
        .iter()
        .map(|g| {
            let projection = g.projection().unwrap();
            (
                g.index_name().to_owned(),
                (
                    sdk_keys(g.key_schema()),
                    projection.projection_type().unwrap().as_str().to_owned(),
                    projection.non_key_attributes().iter().cloned().collect(),
                ),
            )
        })
        .collect();
    assert_eq!(indexes, sdk_indexes);

    let ttl = &table["TimeToLiveSpecification"];
    assert_eq!(ttl["AttributeName"].as_str(), Some(TTL_ATTRIBUTE));
    assert_eq!(ttl["Enabled"].as_bool(), Some(true));
}
