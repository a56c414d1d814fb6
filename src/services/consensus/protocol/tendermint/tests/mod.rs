//! Focused tests of Tendermint cores.
