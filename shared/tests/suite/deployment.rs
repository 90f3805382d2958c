//! The SAM template against the code: every function crate is a row of the
//! function table (`stockroom::functions`) and is deployed with its own
//! binary and sample events; each function gets exactly the environment
//! its configuration reads (`TOKEN_SECRET` for the API functions alone),
//! the HTTP routes, queues, schedule, queue-send and SES permissions its
//! row names and no others; every queue has a dead-letter queue, every SQS
//! event source reports partial batch failures, and the table is the one
//! the DynamoDB adapter creates.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde_json::Value as Json;
use serde_norway::Value;
use stockroom::config::Config;
use stockroom::functions::{self, Function};
use stockroom::http::{ROUTES, RouteGroup};
use stockroom::ports::QueueName;

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

/// `LogLevel` is one of four levels, never `trace` (with which the
/// runtime would log raw events), and every function gets it as `RUST_LOG`,
/// whose runtime targets `stockroom::telemetry` holds at `info`.
#[test]
fn the_log_level_is_restricted_and_never_trace() {
    let t = template();
    let level = &t["Parameters"]["LogLevel"];
    let allowed: Vec<&str> = level["AllowedValues"]
        .as_sequence()
        .expect("LogLevel has AllowedValues")
        .iter()
        .map(str_of)
        .collect();
    assert_eq!(allowed, ["error", "warn", "info", "debug"]);
    assert!(allowed.contains(&str_of(&level["Default"])));
    let directives = stockroom::telemetry::filter_directives(Some("debug"));
    assert!(directives.ends_with("lambda_runtime=info,lambda_http=info"));
}

#[test]
fn every_function_crate_is_deployed_and_has_events() {
    let t = template();
    let deployed = functions(&t);
    let crates = dirs(&root().join("functions"));
    assert!(!crates.is_empty());
    // The console serves static assets and reads no configuration: it is
    // the one function outside the table.
    let table: BTreeSet<String> = functions::ALL
        .iter()
        .map(|f| f.name.to_owned())
        .chain([CONSOLE.to_owned()])
        .collect();
    assert_eq!(&table, &crates, "functions/ and the function table");
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
            crates.contains(name),
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

/// The console function: static assets, outside the function table.
const CONSOLE: &str = "console";

/// The row of a deployed function.
fn row(name: &str) -> &'static Function {
    functions::named(name).unwrap_or_else(|| panic!("{name} is not in the function table"))
}

/// Whether the deployed function `name` serves routes of `group`.
fn serves(name: &str, group: RouteGroup) -> bool {
    functions::named(name).is_some_and(|f| f.routes().contains(&group))
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
    // Every route once, to a function whose row serves its group (the
    // docs route is served by every API function and wired to one).
    for (method, path, function) in &wired {
        if function == CONSOLE {
            assert!(
                stockroom_console::ROUTES
                    .iter()
                    .any(|(m, p)| *m == method && p == path),
                "{method} {path} goes to the console, which does not serve it"
            );
            continue;
        }
        let route = ROUTES
            .iter()
            .find(|r| r.method.as_str() == method && r.path == path)
            .unwrap_or_else(|| panic!("template route {method} {path} is not in ROUTES"));
        assert!(
            serves(function, route.group),
            "{method} {path} goes to {function}, whose row does not serve {:?}",
            route.group
        );
    }
    let missing: Vec<String> = ROUTES
        .iter()
        .filter(|r| {
            !wired
                .iter()
                .any(|(m, p, _)| m == r.method.as_str() && p == r.path)
        })
        .map(|r| format!("{} {}", r.method, r.path))
        .collect();
    assert!(
        missing.is_empty(),
        "routes not in the template: {missing:?}"
    );
}

#[test]
fn sample_events_match_their_functions_triggers() {
    let t = template();
    for (name, (_, f)) in functions(&t) {
        let kinds = event_kinds(&f);
        let routes: BTreeSet<String> = ROUTES
            .iter()
            .filter(|r| serves(&name, r.group))
            .map(|r| format!("{} {}", r.method, r.path))
            .chain(
                stockroom_console::ROUTES
                    .iter()
                    .filter(|_| name == "console")
                    .map(|(m, p)| format!("{m} {p}")),
            )
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

/// Every variable a function's configuration reads, found by letting it
/// read through a recording lookup once per store backend and in mcf mode
/// (with every setting its row requires present).
fn variables_read(function: &Function) -> BTreeSet<String> {
    let seen = Mutex::new(BTreeSet::new());
    for (store, mode) in [
        ("memory", "self"),
        ("dynamodb", "self"),
        ("mongodb", "self"),
        ("dynamodb", "mcf"),
    ] {
        Config::for_function_from(function, |name| {
            seen.lock().unwrap().insert(name.to_owned());
            match name {
                "STORE" => Some(store.to_owned()),
                "FULFILLMENT_MODE" => Some(mode.to_owned()),
                "SPAPI_ENDPOINT" | "LWA_ENDPOINT" => Some("https://amazon".into()),
                amazon if amazon.starts_with("SPAPI_") || amazon.starts_with("LWA_") => {
                    Some("x".into())
                }
                "TABLE_NAME" => Some("t".into()),
                "MONGODB_URI" => Some("mongodb://localhost".into()),
                "TOKEN_SECRET" => Some("0123456789abcdef0123456789abcdef".into()),
                "SENDER_EMAIL" => Some("reorders@example.com".into()),
                "ASSISTANT_API_BASE" => Some("https://api.example.com/v1".into()),
                "ASSISTANT_MODEL" => Some("a-model".into()),
                queue if queue.ends_with("_QUEUE_URL") => Some("https://sqs/q".into()),
                _ => None,
            }
        })
        .unwrap_or_else(|e| panic!("{}: {e}", function.name));
    }
    seen.into_inner().unwrap()
}

fn variables(env: &Value) -> BTreeSet<String> {
    match untag(&env["Variables"]) {
        Value::Mapping(m) => m.keys().map(|k| str_of(k).to_owned()).collect(),
        _ => BTreeSet::new(),
    }
}

#[test]
fn each_function_gets_the_environment_its_configuration_reads() {
    let t = template();
    let reads: BTreeMap<&str, BTreeSet<String>> = functions::ALL
        .iter()
        .map(|f| (f.name, variables_read(f)))
        .collect();
    // What every function reads belongs in Globals; the rest in each
    // function's own environment.
    let common: BTreeSet<String> = reads
        .values()
        .fold(None::<BTreeSet<String>>, |acc, r| {
            Some(match acc {
                None => r.clone(),
                Some(acc) => acc.intersection(r).cloned().collect(),
            })
        })
        .unwrap();
    let global = variables(&t["Globals"]["Function"]["Environment"]);
    for var in &global {
        // RUST_LOG is read by the log filter (`telemetry::init`), not by `Config`.
        assert!(
            common.contains(var) || var == "RUST_LOG",
            "Globals sets {var}, which not every function reads"
        );
    }
    for required in ["STORE", "TABLE_NAME", "MONGODB_URI"] {
        assert!(global.contains(required), "Globals lacks {required}");
    }
    for (name, (id, f)) in &functions(&t) {
        let own = variables(&f["Properties"]["Environment"]);
        if name == CONSOLE {
            assert!(own.is_empty(), "{id}: the console reads no setting");
            continue;
        }
        let function = row(name);
        let expected: BTreeSet<String> =
            reads[function.name].difference(&common).cloned().collect();
        assert_eq!(&own, &expected, "{id}: its own environment");
        // The same, from the row itself: what the table says it needs.
        let env: BTreeSet<&String> = global.union(&own).collect();
        assert_eq!(
            env.contains(&"TOKEN_SECRET".to_owned()),
            function.needs_token_secret(),
            "{id}: TOKEN_SECRET goes to the API functions only"
        );
        assert_eq!(
            env.contains(&"SENDER_EMAIL".to_owned()),
            function.mails,
            "{id}: SENDER_EMAIL"
        );
        for queue in function.publishes {
            assert!(
                own.contains(queue.url_variable()),
                "{id} publishes to {queue} without {}",
                queue.url_variable()
            );
        }
    }
}

/// The logical id of a queue in the template: `listing-status` is
/// `ListingStatusQueue`.
fn queue_id(queue: QueueName) -> String {
    let mut id: String = queue
        .as_str()
        .split('-')
        .map(|word| {
            let mut chars = word.chars();
            chars
                .next()
                .map(|c| c.to_ascii_uppercase().to_string() + chars.as_str())
                .unwrap_or_default()
        })
        .collect();
    id.push_str("Queue");
    id
}

fn strings(v: &Value) -> Vec<String> {
    match untag(v) {
        Value::Sequence(items) => items.iter().map(|i| str_of(i).to_owned()).collect(),
        other => vec![str_of(other).to_owned()],
    }
}

/// What a function's policies (inline, SAM policy templates and its role's)
/// allow: the queues it may send to and receive from, and whether it may
/// send email.
#[derive(Debug, Default, PartialEq, Eq)]
struct Grants {
    sends_to: BTreeSet<String>,
    receives_from: BTreeSet<String>,
    mails: bool,
}

fn collect_grants(v: &Value, grants: &mut Grants) {
    match v {
        Value::Tagged(t) => collect_grants(&t.value, grants),
        Value::Sequence(items) => items.iter().for_each(|i| collect_grants(i, grants)),
        Value::Mapping(m) => {
            if let Some(policy) = m.get("SQSSendMessagePolicy") {
                let queue = str_of(&policy["QueueName"]).trim_end_matches(".QueueName");
                grants.sends_to.insert(queue.to_owned());
            }
            if let (Some(action), Some(resource)) = (m.get("Action"), m.get("Resource")) {
                let actions = strings(action);
                let resources: Vec<String> = match untag(resource) {
                    Value::Sequence(items) => items
                        .iter()
                        .filter_map(|i| untag(i).as_str().map(str::to_owned))
                        .collect(),
                    other => other.as_str().map(str::to_owned).into_iter().collect(),
                };
                let queues = resources
                    .iter()
                    .filter_map(|r| r.strip_suffix(".Arn"))
                    .map(str::to_owned);
                if actions.iter().any(|a| a == "sqs:SendMessage") {
                    grants.sends_to.extend(queues.clone());
                }
                if actions.iter().any(|a| a == "sqs:ReceiveMessage") {
                    grants.receives_from.extend(queues);
                }
                if actions.iter().any(|a| a.starts_with("ses:Send")) {
                    grants.mails = true;
                }
            }
            for (key, value) in m {
                if untag(key).as_str().is_some_and(|k| k.starts_with("SES")) {
                    grants.mails = true;
                }
                collect_grants(value, grants);
            }
        }
        _ => {}
    }
}

fn grants(t: &Value, f: &Value) -> Grants {
    let mut grants = Grants::default();
    collect_grants(&f["Properties"]["Policies"], &mut grants);
    if let Some(role) = f["Properties"].get("Role") {
        let role = str_of(role).trim_end_matches(".Arn");
        collect_grants(&resources(t)[role]["Properties"]["Policies"], &mut grants);
    }
    grants
}

#[test]
fn triggers_and_permissions_are_the_function_tables() {
    let t = template();
    let parameters = &t["Parameters"];
    for (name, (id, f)) in functions(&t) {
        if name == CONSOLE {
            // Static assets: API routes only, no queue, schedule or grant.
            assert_eq!(
                event_kinds(&f),
                BTreeSet::from(["HttpApi".to_owned()]),
                "{id}: the console is invoked by its routes alone"
            );
            continue;
        }
        let function = row(&name);
        let mut sqs = BTreeSet::new();
        let mut schedules = Vec::new();
        let mut http = false;
        if let Value::Mapping(events) = untag(&f["Properties"]["Events"]) {
            for e in events.values() {
                match e["Type"].as_str() {
                    Some("SQS") => {
                        sqs.insert(
                            str_of(&e["Properties"]["Queue"])
                                .trim_end_matches(".Arn")
                                .to_owned(),
                        );
                    }
                    Some("Schedule") => {
                        schedules.push(str_of(&e["Properties"]["Schedule"]).to_owned())
                    }
                    Some("HttpApi") => http = true,
                    other => panic!("{id}: unexpected event type {other:?}"),
                }
            }
        }
        let consumes: BTreeSet<String> = function.consumes().iter().map(|q| queue_id(*q)).collect();
        assert_eq!(sqs, consumes, "{id}: the queues it consumes");
        assert_eq!(http, !function.routes().is_empty(), "{id}: HTTP routes");
        match function.schedule() {
            Some(schedule) => {
                assert_eq!(
                    schedules,
                    [schedule.parameter],
                    "{id}: its schedule parameter"
                );
                assert_eq!(
                    parameters[schedule.parameter]["Default"].as_str(),
                    Some(schedule.default),
                    "{}: the default schedule",
                    schedule.parameter
                );
            }
            None => assert!(schedules.is_empty(), "{id} has a schedule its row lacks"),
        }

        let grants = grants(&t, &f);
        let publishes: BTreeSet<String> = function
            .publishes
            .iter()
            .map(|q| queue_id(QueueName::from(*q)))
            .collect();
        assert_eq!(
            grants.sends_to, publishes,
            "{id}: the queues it may send to"
        );
        assert_eq!(
            grants.receives_from, consumes,
            "{id}: the queues it may receive from"
        );
        assert_eq!(
            grants.mails, function.mails,
            "{id}: permission to send email"
        );
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
            "AmazonSyncQueue",
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
        6,
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

/// The logical ids of the alarms on `namespace`/`metric` whose dimension
/// `dimension` is a `!Ref` or `!GetAtt` of `target` (`OrdersQueue` matches
/// `!GetAtt OrdersQueue.QueueName`), and that notify the alarm topic.
fn alarms_on(
    t: &Value,
    namespace: &str,
    metric: &str,
    dimension: &str,
    target: &str,
) -> Vec<String> {
    of_type(t, "AWS::CloudWatch::Alarm")
        .into_iter()
        .filter(|(_, a)| {
            let p = &a["Properties"];
            p["Namespace"].as_str() == Some(namespace)
                && p["MetricName"].as_str() == Some(metric)
                && p["Dimensions"].as_sequence().is_some_and(|dims| {
                    dims.iter().any(|d| {
                        d["Name"].as_str() == Some(dimension)
                            && str_of(&d["Value"]).split('.').next() == Some(target)
                    })
                })
        })
        .inspect(|(id, a)| {
            let actions: Vec<&str> = a["Properties"]["AlarmActions"]
                .as_sequence()
                .unwrap_or_else(|| panic!("{id} notifies no one"))
                .iter()
                .map(str_of)
                .collect();
            assert_eq!(actions, ["AlarmTopic"], "{id} notifies the alarm topic");
        })
        .map(|(id, _)| id)
        .collect()
}

/// Every function is traced (Globals), every dead-letter queue raises an
/// alarm on its first message, every function has an errors and a
/// throttles alarm, the explicit roles may write to X-Ray, and the alarm
/// topic takes the e-mail parameter.
#[test]
fn every_function_is_traced_and_every_dlq_and_function_has_alarms() {
    let t = template();
    let globals = &t["Globals"]["Function"];
    assert_eq!(globals["Tracing"].as_str(), Some("Active"));
    assert_eq!(globals["LoggingConfig"]["LogFormat"].as_str(), Some("JSON"));
    for (name, (id, f)) in functions(&t) {
        let tracing = f["Properties"].get("Tracing").map(str_of);
        assert!(
            tracing.is_none() || tracing == Some("Active"),
            "{id} ({name}) turns tracing off"
        );
        for metric in ["Errors", "Throttles"] {
            assert!(
                !alarms_on(&t, "AWS/Lambda", metric, "FunctionName", &id).is_empty(),
                "{id} has no {metric} alarm"
            );
        }
        if let Some(role) = f["Properties"].get("Role") {
            let role = str_of(role).trim_end_matches(".Arn");
            let policies = &resources(&t)[role]["Properties"]["ManagedPolicyArns"];
            assert!(
                policies
                    .as_sequence()
                    .unwrap()
                    .iter()
                    .any(|p| tag(p).is_some()
                        && str_of(p).ends_with(":policy/AWSXRayDaemonWriteAccess")),
                "{role} ({id}'s role) may not write to X-Ray"
            );
        }
    }
    let dlqs: Vec<String> = of_type(&t, "AWS::SQS::Queue")
        .into_keys()
        .filter(|k| k.ends_with("DeadLetterQueue"))
        .collect();
    assert!(!dlqs.is_empty());
    for dlq in dlqs {
        let alarms = alarms_on(
            &t,
            "AWS/SQS",
            "ApproximateNumberOfMessagesVisible",
            "QueueName",
            &dlq,
        );
        assert!(!alarms.is_empty(), "{dlq} has no alarm");
        for id in alarms {
            let p = &resources(&t)[&id]["Properties"];
            assert_eq!(
                p["Threshold"].as_u64(),
                Some(1),
                "{id}: the first message alarms"
            );
            assert_eq!(
                p["ComparisonOperator"].as_str(),
                Some("GreaterThanOrEqualToThreshold")
            );
        }
    }
    assert!(
        !alarms_on(
            &t,
            "AWS/SQS",
            "ApproximateAgeOfOldestMessage",
            "QueueName",
            "OrdersQueue"
        )
        .is_empty()
    );
    assert!(!alarms_on(&t, "AWS/ApiGateway", "Latency", "ApiId", "HttpApi").is_empty());
    assert!(
        !alarms_on(
            &t,
            stockroom::metrics::NAMESPACE,
            "ReorderMailsFailed",
            "function",
            "ReorderMailerFunction"
        )
        .is_empty()
    );
    let subscription = &resources(&t)["AlarmEmailSubscription"]["Properties"];
    assert_eq!(str_of(&subscription["Endpoint"]), "AlarmEmail");
    assert_eq!(subscription["Protocol"].as_str(), Some("email"));
    assert!(resources(&t).contains_key("Dashboard"));
}

/// The dashboard body is JSON once CloudFormation has substituted its
/// `${...}` references, every metric widget names a metric Stockroom emits
/// (or an AWS one), and the amazon-sync metrics are on it, each under the
/// function that emits it.
#[test]
fn the_dashboard_is_json_and_shows_what_amazon_sync_emits() {
    let t = template();
    let body = &resources(&t)["Dashboard"]["Properties"]["DashboardBody"];
    let text = untag(body)
        .as_sequence()
        .and_then(|parts| parts.first())
        .map(str_of)
        .expect("DashboardBody is !Sub [text, {}]");
    // Each `${Name}` or `${Name.Attr}` becomes `@Name`, a string JSON holds.
    let mut substituted = String::new();
    let mut rest = text;
    while let Some(at) = rest.find("${") {
        substituted.push_str(&rest[..at]);
        let end = rest[at..].find('}').expect("an unclosed ${") + at;
        substituted.push('@');
        substituted.push_str(&rest[at + 2..end]);
        rest = &rest[end + 1..];
    }
    substituted.push_str(rest);
    let dashboard: serde_json::Value =
        serde_json::from_str(&substituted).expect("the dashboard body is JSON");
    let emitted: Vec<&str> = stockroom::metrics::Metric::ALL
        .iter()
        .map(|m| m.name())
        .collect();
    let mut shown: Vec<(String, String)> = Vec::new();
    for widget in dashboard["widgets"].as_array().unwrap() {
        for line in widget["properties"]["metrics"]
            .as_array()
            .into_iter()
            .flatten()
        {
            let line = line.as_array().unwrap();
            if line[0] == stockroom::metrics::NAMESPACE {
                let name = line[1].as_str().unwrap();
                assert!(emitted.contains(&name), "{name} is never emitted");
                let at = line.iter().position(|v| v == "function").unwrap();
                shown.push((name.to_owned(), line[at + 1].as_str().unwrap().to_owned()));
            }
        }
    }
    for (metric, function) in [
        ("ListingsPushed", "@AmazonSyncFunction"),
        ("ListingPushesFailed", "@AmazonSyncFunction"),
        ("ListingPushesRefused", "@AmazonSyncFunction"),
        ("AmazonChangesApplied", "@ListingNotificationsFunction"),
        ("AmazonEchoesIgnored", "@ListingNotificationsFunction"),
    ] {
        assert!(
            shown.contains(&(metric.to_owned(), function.to_owned())),
            "{metric} of {function} is not on the dashboard: {shown:?}"
        );
    }
    assert!(substituted.contains("@AmazonSyncDeadLetterQueue.QueueName"));
}
