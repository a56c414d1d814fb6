//! Consensus protocols (pure, sans-IO). Placeholder until the core lands.
