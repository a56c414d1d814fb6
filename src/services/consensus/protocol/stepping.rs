//! The step of the height-by-height cores (PBFT and Tendermint), written
//! once: one input, then — while the height keeps advancing — replay what
//! was buffered for the new height and propose, then arm the timers.
//!
//! And the rule that ends an epoch: once the block that changes the
//! validator set is committed ([`Chain::epoch_over`]), the core signs,
//! commits and proposes nothing more, not even for messages of the next
//! height it had buffered or that arrive in the same batch; it only answers
//! sync requests (members that missed the change block need it to cross
//! into the next epoch). Before this rule lived here, committing block h
//! replayed buffered h+1 messages in the same step, so a validator could
//! sign old-epoch votes for h+1 and even commit h+1 under the old set while
//! the others decided it in the new epoch: a fork. (HotStuff ends its epoch
//! in its own voting rule, which also covers its pipelined blocks.)

use super::chain::Chain;
use super::{Effect, Input, Message, Proposal};

/// What the shared step needs of a core.
pub(crate) trait HeightCore {
    fn chain(&self) -> &Chain;
    fn start(&mut self, out: &mut Vec<Effect>);
    fn propose(&mut self, proposal: Proposal, out: &mut Vec<Effect>);
    fn timeout(&mut self, height: u64, view: u64, out: &mut Vec<Effect>);
    fn message(&mut self, from: u32, msg: Message, out: &mut Vec<Effect>);
    /// Re-feeds messages buffered for a height that is now current.
    fn replay(&mut self, out: &mut Vec<Effect>);
    /// Proposes a block if this validator leads; true when that committed
    /// a block (a set of one validator).
    fn lead(&mut self, out: &mut Vec<Effect>) -> bool;
    fn arm_timers(&mut self, out: &mut Vec<Effect>);
    fn answer_sync(&mut self, to: u32, from_height: u64, out: &mut Vec<Effect>);
}

/// One step of `core` (see the module documentation).
pub(crate) fn step<C: HeightCore>(core: &mut C, input: Input) -> Vec<Effect> {
    let mut out = Vec::new();
    if core.chain().epoch_over() {
        if let Input::Message {
            from,
            msg: Message::SyncRequest { from_height },
        } = input
        {
            core.answer_sync(from, from_height, &mut out);
        }
        return out;
    }
    match input {
        Input::Start => core.start(&mut out),
        Input::Propose(p) => core.propose(p, &mut out),
        Input::Timeout { view, height } => core.timeout(height, view, &mut out),
        Input::Message { from, msg } => core.message(from, msg, &mut out),
    }
    while !core.chain().epoch_over() {
        core.replay(&mut out);
        if core.chain().epoch_over() || !core.lead(&mut out) {
            break;
        }
    }
    if !core.chain().epoch_over() {
        core.arm_timers(&mut out);
    }
    out
}
