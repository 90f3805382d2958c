//! Walking a whole list a page at a time, for the use cases that visit
//! every item of a store list (the scheduled jobs, the reorder republish).
//!
//! [`pages`] turns "fetch the page after this cursor" into a stream of
//! pages: the cursor bookkeeping and the end-of-list test are written once
//! here instead of in every loop, and only one page is held at a time.

use std::future::Future;

use futures::Stream;

use crate::ports::{Cursor, Page, PageLimit, PageRequest};

/// Items fetched per page: the most a store hands out at once, so a walk
/// makes as few round trips as it can.
pub const PAGE_SIZE: u16 = PageLimit::MAX;

/// The pages of a list, first to last, each as its items. `fetch` is
/// called once per page with the request for it, and not again after a
/// page without a next cursor or after an error (which ends the stream).
/// Callers pin it and loop on `try_next().await?`.
pub fn pages<T, E, F, Fut>(mut fetch: F) -> impl Stream<Item = Result<Vec<T>, E>>
where
    F: FnMut(PageRequest) -> Fut,
    Fut: Future<Output = Result<Page<T>, E>>,
{
    // `Some(cursor)`: a page is still to fetch (from the start when the
    // cursor is `None`); `None`: the last page has been handed out.
    let start: Option<Option<Cursor>> = Some(None);
    futures::stream::unfold(start, move |next| {
        let request = next.map(|cursor| PageRequest::after(usize::from(PAGE_SIZE), cursor));
        let fetched = request.map(&mut fetch);
        async move {
            match fetched?.await {
                Ok(page) => Some((Ok(page.items), page.next_cursor.map(Some))),
                Err(e) => Some((Err(e), None)),
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use std::pin::pin;
    use std::sync::Mutex;

    use futures::TryStreamExt;

    use super::*;

    /// A list of `len` numbers served `limit` at a time, recording every
    /// request it was asked for.
    struct Numbers {
        len: u32,
        requests: Mutex<Vec<(usize, Option<u32>)>>,
        fail_at: Option<u32>,
    }

    impl Numbers {
        fn new(len: u32) -> Self {
            Numbers {
                len,
                requests: Mutex::new(Vec::new()),
                fail_at: None,
            }
        }

        async fn page(&self, request: PageRequest) -> Result<Page<u32>, &'static str> {
            let from: u32 = match &request.cursor {
                Some(cursor) => cursor.decode("numbers").map_err(|_| "bad cursor")?,
                None => 0,
            };
            self.requests
                .lock()
                .map_err(|_| "poisoned")?
                .push((request.limit.get(), request.cursor.as_ref().map(|_| from)));
            if self.fail_at == Some(from) {
                return Err("store down");
            }
            let to = (from + request.limit.get() as u32).min(self.len);
            let next_cursor = if to < self.len {
                Some(Cursor::encode("numbers", &to).map_err(|_| "encode")?)
            } else {
                None
            };
            Ok(Page {
                items: (from..to).collect(),
                next_cursor,
            })
        }

        fn requests(&self) -> Vec<(usize, Option<u32>)> {
            self.requests.lock().map(|r| r.clone()).unwrap_or_default()
        }
    }

    async fn walk(numbers: &Numbers) -> Result<Vec<Vec<u32>>, &'static str> {
        pages(|request| numbers.page(request)).try_collect().await
    }

    #[tokio::test]
    async fn every_item_once_in_order_one_request_per_page() {
        let numbers = Numbers::new(250);
        let walked = walk(&numbers).await.unwrap();
        assert_eq!(
            walked.iter().map(Vec::len).collect::<Vec<_>>(),
            [100, 100, 50]
        );
        assert_eq!(walked.concat(), (0..250).collect::<Vec<_>>());
        assert_eq!(
            numbers.requests(),
            [(100, None), (100, Some(100)), (100, Some(200))]
        );
    }

    #[tokio::test]
    async fn an_empty_list_is_one_empty_page() {
        let numbers = Numbers::new(0);
        assert_eq!(walk(&numbers).await.unwrap(), [Vec::<u32>::new()]);
        assert_eq!(numbers.requests().len(), 1);
    }

    #[tokio::test]
    async fn an_error_ends_the_walk() {
        let numbers = Numbers {
            fail_at: Some(100),
            ..Numbers::new(300)
        };
        let mut walk = pin!(pages(|request| numbers.page(request)));
        assert_eq!(walk.try_next().await.unwrap().map(|p| p.len()), Some(100));
        assert_eq!(walk.try_next().await, Err("store down"));
        assert_eq!(walk.try_next().await, Ok(None));
        assert_eq!(numbers.requests().len(), 2);
    }
}
