//! What Stockroom adds to each tool round of the assistant, the provider
//! excluded: the conversation loop, parsing the model's arguments, the use
//! case on the memory store, rendering and cutting the result, and
//! growing the message list. The model is an in-process stand-in that asks
//! for the same tool `rounds` times and then replies, so the difference
//! between 0 and N rounds is Stockroom's own cost of N rounds.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a benchmark panics on setup failure

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use async_trait::async_trait;
use chrono::Utc;
use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use stockroom::app::App;
use stockroom::assistant::{Role as TurnRole, Turn, converse};
use stockroom::auth::Principal;
use stockroom::config::Settings;
use stockroom::domain::{CustomerId, ListingDraft, ListingStatus, Price, Role, Sku, Stock, Title};
use stockroom::ports::{ChatMessage, ChatModel, ModelError, ModelTurn, ToolCall, ToolSpec};
use stockroom::store::MemoryStore;

/// Asks for `tool` with `arguments` until `rounds` tool results are in the
/// conversation, then replies.
struct Repeating {
    tool: &'static str,
    arguments: &'static str,
    rounds: usize,
    calls: AtomicUsize,
}

#[async_trait]
impl ChatModel for Repeating {
    async fn complete(
        &self,
        messages: &[ChatMessage],
        _tools: &[ToolSpec],
    ) -> Result<ModelTurn, ModelError> {
        self.calls.fetch_add(1, Ordering::Relaxed);
        let done = messages
            .iter()
            .filter(|m| matches!(m, ChatMessage::Tool { .. }))
            .count();
        Ok(if done < self.rounds {
            ModelTurn::ToolCalls {
                content: String::new(),
                calls: vec![ToolCall {
                    id: format!("call_{done}"),
                    name: self.tool.into(),
                    arguments: self.arguments.into(),
                }],
            }
        } else {
            ModelTurn::Reply("done".into())
        })
    }
}

fn catalogue(runtime: &tokio::runtime::Runtime) -> Arc<MemoryStore> {
    let store = Arc::new(MemoryStore::new());
    runtime.block_on(async {
        use stockroom::ports::ListingStore;
        for i in 0..200 {
            let draft = ListingDraft {
                sku: Sku::parse(&format!("SKU-{i:04}")).unwrap(),
                title: Title::parse(&format!("Item {i}")).unwrap(),
                price: Price::parse("9.99").unwrap(),
                currency: Settings::default().currency,
                // Every fourth listing is at its reorder point.
                available: Some(Stock::new(if i % 4 == 0 { 5 } else { 500 }).unwrap()),
                status: Some(ListingStatus::Active),
                supplier_id: None,
                reorder_point: 10,
                reorder_quantity: 50,
                lead_time_days: 7,
                auto_reorder_point: false,
                amazon_mfn: None,
            };
            store.put_listing(&draft, Utc::now()).await.unwrap();
        }
    });
    store
}

fn bench(c: &mut Criterion) {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let store = catalogue(&runtime);
    let admin = Principal {
        customer_id: CustomerId::generate(),
        role: Role::Admin,
    };
    let question = [Turn {
        role: TurnRole::User,
        content: "How are we doing on stock?".into(),
    }];
    let mut group = c.benchmark_group("assistant");
    for (tool, arguments) in [
        ("get_listing", r#"{"sku":"SKU-0042"}"#),
        ("low_stock_listings", "{}"),
    ] {
        for rounds in [0, 1, 4] {
            let model = Arc::new(Repeating {
                tool,
                arguments,
                rounds,
                calls: AtomicUsize::new(0),
            });
            let app = App::without_tokens(store.clone(), Settings::default())
                .with_assistant(model.clone());
            group.bench_with_input(BenchmarkId::new(tool, rounds), &rounds, |b, _| {
                b.to_async(&runtime).iter(|| async {
                    let answer = converse(&app, &admin, &question).await.unwrap();
                    assert_eq!(answer.used.len(), rounds);
                })
            });
            assert!(model.calls.load(Ordering::Relaxed) > rounds);
        }
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
