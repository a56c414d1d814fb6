//! Static discovery: the addresses in the configuration
//! (`service_discovery.static_services`, else consecutive ports). The list
//! changes when the gateway reloads its configuration, through the sender
//! half of the channel this reads.

use tokio::sync::watch;

use super::{Discovery, DiscoveryError};
use crate::upstream::Instance;

pub struct Static {
    rx: watch::Receiver<Vec<Instance>>,
    answered: bool,
}

impl Static {
    /// A static source and the sender that replaces its list.
    pub fn new(instances: Vec<Instance>) -> (Static, watch::Sender<Vec<Instance>>) {
        let (tx, rx) = watch::channel(instances);
        (
            Static {
                rx,
                answered: false,
            },
            tx,
        )
    }
}

impl Discovery for Static {
    async fn next(&mut self) -> Result<Vec<Instance>, DiscoveryError> {
        if self.answered && self.rx.changed().await.is_err() {
            // Nobody can change the list any more.
            std::future::pending::<()>().await;
        }
        self.answered = true;
        Ok(self.rx.borrow_and_update().clone())
    }

    fn describe(&self) -> String {
        "static configuration".to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[tokio::test]
    async fn answers_at_once_then_on_each_reload() {
        let a = Instance::numbered(&["127.0.0.1:1".parse().unwrap()]);
        let b = Instance::numbered(&["127.0.0.1:2".parse().unwrap()]);
        let (mut s, tx) = Static::new(a.clone());
        assert_eq!(s.next().await.unwrap(), a);
        let waiting = tokio::time::timeout(Duration::from_millis(20), s.next()).await;
        assert!(waiting.is_err(), "no change, no answer");
        tx.send_replace(b.clone());
        assert_eq!(s.next().await.unwrap(), b);
    }
}
