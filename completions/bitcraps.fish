# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_bitcraps_global_optspecs
    string join \n c/config= set= state-dir= o/output= color= q/quiet h/help V/version
end

function __fish_bitcraps_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_bitcraps_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_bitcraps_using_subcommand
    set -l cmd (__fish_bitcraps_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c bitcraps -n "__fish_bitcraps_needs_command" -s c -l config -d 'Configuration file (default: ./bitcraps.toml when present)' -r -F
complete -c bitcraps -n "__fish_bitcraps_needs_command" -l set -d 'Override one configuration key, e.g. --set gateway.request_timeout=5s' -r
complete -c bitcraps -n "__fish_bitcraps_needs_command" -l state-dir -d 'State dir: pids, logs, data, keys, secrets and the control socket' -r -F
complete -c bitcraps -n "__fish_bitcraps_needs_command" -s o -l output -d 'Output format of queries' -r -f -a "table\t'Aligned columns for people'
json\t'JSON for scripts (JSON lines when streaming)'"
complete -c bitcraps -n "__fish_bitcraps_needs_command" -l color -d 'Color: auto (terminal and no NO_COLOR), always, never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c bitcraps -n "__fish_bitcraps_needs_command" -s q -l quiet -d 'Print only what scripts need (errors still go to stderr)'
complete -c bitcraps -n "__fish_bitcraps_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c bitcraps -n "__fish_bitcraps_needs_command" -s V -l version -d 'Print version'
complete -c bitcraps -n "__fish_bitcraps_needs_command" -f -a "up" -d 'Start every service in dependency order and supervise it'
complete -c bitcraps -n "__fish_bitcraps_needs_command" -f -a "down" -d 'Stop every service (SIGTERM, then SIGKILL after --timeout)'
complete -c bitcraps -n "__fish_bitcraps_needs_command" -f -a "ps" -d 'List the supervised services: pid, state, health, uptime, restarts'
complete -c bitcraps -n "__fish_bitcraps_needs_command" -f -a "logs" -d 'Show service logs'
complete -c bitcraps -n "__fish_bitcraps_needs_command" -f -a "restart" -d 'Stop and start services, waiting until they are ready again'
complete -c bitcraps -n "__fish_bitcraps_needs_command" -f -a "stop" -d 'Stop services and keep them stopped (the supervisor and the other services go on) until `start` or `restart`'
complete -c bitcraps -n "__fish_bitcraps_needs_command" -f -a "start" -d 'Start services that are stopped or failed, waiting until they are ready (running ones are left alone)'
complete -c bitcraps -n "__fish_bitcraps_needs_command" -f -a "config" -d 'Show, check or print the configuration'
complete -c bitcraps -n "__fish_bitcraps_needs_command" -f -a "auth" -d 'Mint credentials'
complete -c bitcraps -n "__fish_bitcraps_needs_command" -f -a "certs" -d 'The services\' TLS certificates'
complete -c bitcraps -n "__fish_bitcraps_needs_command" -f -a "sandbox" -d 'What each service can open once it has confined itself (Landlock), and a probe that asks the kernel'
complete -c bitcraps -n "__fish_bitcraps_needs_command" -f -a "game" -d 'Create, play, watch and verify games through the gateway'
complete -c bitcraps -n "__fish_bitcraps_needs_command" -f -a "consensus" -d 'Propose, inspect and verify consensus through the gateway'
complete -c bitcraps -n "__fish_bitcraps_needs_command" -f -a "wallet" -d 'Deposit, withdraw, move and audit chips in the wallet through the gateway'
complete -c bitcraps -n "__fish_bitcraps_needs_command" -f -a "keys" -d 'Validator keys'
complete -c bitcraps -n "__fish_bitcraps_needs_command" -f -a "bench" -d 'Measure a running system'
complete -c bitcraps -n "__fish_bitcraps_needs_command" -f -a "serve" -d 'Run one service in the foreground (what the supervisor spawns)'
complete -c bitcraps -n "__fish_bitcraps_needs_command" -f -a "tui" -d 'Live dashboard: services, games, validators, gateway, metrics'
complete -c bitcraps -n "__fish_bitcraps_needs_command" -f -a "completions" -d 'Print shell completions (bash, zsh, fish, elvish, powershell)'
complete -c bitcraps -n "__fish_bitcraps_needs_command" -f -a "manpage" -d 'Print the man page (roff), or write one page per command into a directory (`man/` holds them generated; a test keeps them current)'
complete -c bitcraps -n "__fish_bitcraps_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand up" -l timeout -d 'How long --wait waits for readiness (default: supervisor.ready_timeout)' -r
complete -c bitcraps -n "__fish_bitcraps_using_subcommand up" -l validators -d 'Number of validators (n >= 3f+1)' -r
complete -c bitcraps -n "__fish_bitcraps_using_subcommand up" -l engines -d 'Number of engine instances' -r
complete -c bitcraps -n "__fish_bitcraps_using_subcommand up" -l algorithm -d 'Consensus algorithm: pbft, tendermint, hotstuff' -r
complete -c bitcraps -n "__fish_bitcraps_using_subcommand up" -l fault -d 'Make a validator misbehave, for demos and tests: validator-N=silent|slow[:DURATION]|equivocate (repeatable). Also enables POST /fault on the validators' -r
complete -c bitcraps -n "__fish_bitcraps_using_subcommand up" -l log-level -d 'The services\' log filter (`telemetry.log_level`, e.g. `info` or `bitcraps=debug`). Given here or as RUST_LOG, the foreground shows every line the services write; otherwise it shows lifecycle events, warnings and errors (the files under logs/ keep everything)' -r
complete -c bitcraps -n "__fish_bitcraps_using_subcommand up" -s c -l config -d 'Configuration file (default: ./bitcraps.toml when present)' -r -F
complete -c bitcraps -n "__fish_bitcraps_using_subcommand up" -l set -d 'Override one configuration key, e.g. --set gateway.request_timeout=5s' -r
complete -c bitcraps -n "__fish_bitcraps_using_subcommand up" -l state-dir -d 'State dir: pids, logs, data, keys, secrets and the control socket' -r -F
complete -c bitcraps -n "__fish_bitcraps_using_subcommand up" -s o -l output -d 'Output format of queries' -r -f -a "table\t'Aligned columns for people'
json\t'JSON for scripts (JSON lines when streaming)'"
complete -c bitcraps -n "__fish_bitcraps_using_subcommand up" -l color -d 'Color: auto (terminal and no NO_COLOR), always, never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c bitcraps -n "__fish_bitcraps_using_subcommand up" -s d -l detach -d 'Run in the background; return once the supervisor is up'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand up" -l wait -d 'Return only when every service is ready (implies --detach); exit 5 on timeout'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand up" -l demo-funds -d 'Deposit demo chips once the wallet answers: the house (to back tables) and the players alice, bob, carol, dave and erin. Safe to repeat: the deposits have fixed ids'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand up" -l insecure-plaintext -d 'Debugging only: plain HTTP between the services instead of mutual TLS (`tls.insecure_plaintext`). Warns loudly at start'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand up" -l supervise-daemon -d 'Internal: run as the detached supervisor'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand up" -s q -l quiet -d 'Print only what scripts need (errors still go to stderr)'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand up" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand up" -s V -l version -d 'Print version'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand down" -l timeout -d 'Grace period after SIGTERM before SIGKILL (at most 1h)' -r
complete -c bitcraps -n "__fish_bitcraps_using_subcommand down" -s c -l config -d 'Configuration file (default: ./bitcraps.toml when present)' -r -F
complete -c bitcraps -n "__fish_bitcraps_using_subcommand down" -l set -d 'Override one configuration key, e.g. --set gateway.request_timeout=5s' -r
complete -c bitcraps -n "__fish_bitcraps_using_subcommand down" -l state-dir -d 'State dir: pids, logs, data, keys, secrets and the control socket' -r -F
complete -c bitcraps -n "__fish_bitcraps_using_subcommand down" -s o -l output -d 'Output format of queries' -r -f -a "table\t'Aligned columns for people'
json\t'JSON for scripts (JSON lines when streaming)'"
complete -c bitcraps -n "__fish_bitcraps_using_subcommand down" -l color -d 'Color: auto (terminal and no NO_COLOR), always, never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c bitcraps -n "__fish_bitcraps_using_subcommand down" -s q -l quiet -d 'Print only what scripts need (errors still go to stderr)'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand down" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand down" -s V -l version -d 'Print version'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand ps" -s c -l config -d 'Configuration file (default: ./bitcraps.toml when present)' -r -F
complete -c bitcraps -n "__fish_bitcraps_using_subcommand ps" -l set -d 'Override one configuration key, e.g. --set gateway.request_timeout=5s' -r
complete -c bitcraps -n "__fish_bitcraps_using_subcommand ps" -l state-dir -d 'State dir: pids, logs, data, keys, secrets and the control socket' -r -F
complete -c bitcraps -n "__fish_bitcraps_using_subcommand ps" -s o -l output -d 'Output format of queries' -r -f -a "table\t'Aligned columns for people'
json\t'JSON for scripts (JSON lines when streaming)'"
complete -c bitcraps -n "__fish_bitcraps_using_subcommand ps" -l color -d 'Color: auto (terminal and no NO_COLOR), always, never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c bitcraps -n "__fish_bitcraps_using_subcommand ps" -s q -l quiet -d 'Print only what scripts need (errors still go to stderr)'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand ps" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand ps" -s V -l version -d 'Print version'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand logs" -s n -l lines -d 'Lines to show from the end of each log' -r
complete -c bitcraps -n "__fish_bitcraps_using_subcommand logs" -s c -l config -d 'Configuration file (default: ./bitcraps.toml when present)' -r -F
complete -c bitcraps -n "__fish_bitcraps_using_subcommand logs" -l set -d 'Override one configuration key, e.g. --set gateway.request_timeout=5s' -r
complete -c bitcraps -n "__fish_bitcraps_using_subcommand logs" -l state-dir -d 'State dir: pids, logs, data, keys, secrets and the control socket' -r -F
complete -c bitcraps -n "__fish_bitcraps_using_subcommand logs" -s o -l output -d 'Output format of queries' -r -f -a "table\t'Aligned columns for people'
json\t'JSON for scripts (JSON lines when streaming)'"
complete -c bitcraps -n "__fish_bitcraps_using_subcommand logs" -l color -d 'Color: auto (terminal and no NO_COLOR), always, never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c bitcraps -n "__fish_bitcraps_using_subcommand logs" -s f -l follow -d 'Keep printing new lines as they are written'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand logs" -l raw -d 'Print the raw JSON lines as the services wrote them'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand logs" -s q -l quiet -d 'Print only what scripts need (errors still go to stderr)'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand logs" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand logs" -s V -l version -d 'Print version'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand restart" -s c -l config -d 'Configuration file (default: ./bitcraps.toml when present)' -r -F
complete -c bitcraps -n "__fish_bitcraps_using_subcommand restart" -l set -d 'Override one configuration key, e.g. --set gateway.request_timeout=5s' -r
complete -c bitcraps -n "__fish_bitcraps_using_subcommand restart" -l state-dir -d 'State dir: pids, logs, data, keys, secrets and the control socket' -r -F
complete -c bitcraps -n "__fish_bitcraps_using_subcommand restart" -s o -l output -d 'Output format of queries' -r -f -a "table\t'Aligned columns for people'
json\t'JSON for scripts (JSON lines when streaming)'"
complete -c bitcraps -n "__fish_bitcraps_using_subcommand restart" -l color -d 'Color: auto (terminal and no NO_COLOR), always, never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c bitcraps -n "__fish_bitcraps_using_subcommand restart" -s q -l quiet -d 'Print only what scripts need (errors still go to stderr)'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand restart" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand restart" -s V -l version -d 'Print version'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand stop" -s c -l config -d 'Configuration file (default: ./bitcraps.toml when present)' -r -F
complete -c bitcraps -n "__fish_bitcraps_using_subcommand stop" -l set -d 'Override one configuration key, e.g. --set gateway.request_timeout=5s' -r
complete -c bitcraps -n "__fish_bitcraps_using_subcommand stop" -l state-dir -d 'State dir: pids, logs, data, keys, secrets and the control socket' -r -F
complete -c bitcraps -n "__fish_bitcraps_using_subcommand stop" -s o -l output -d 'Output format of queries' -r -f -a "table\t'Aligned columns for people'
json\t'JSON for scripts (JSON lines when streaming)'"
complete -c bitcraps -n "__fish_bitcraps_using_subcommand stop" -l color -d 'Color: auto (terminal and no NO_COLOR), always, never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c bitcraps -n "__fish_bitcraps_using_subcommand stop" -s q -l quiet -d 'Print only what scripts need (errors still go to stderr)'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand stop" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand stop" -s V -l version -d 'Print version'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand start" -s c -l config -d 'Configuration file (default: ./bitcraps.toml when present)' -r -F
complete -c bitcraps -n "__fish_bitcraps_using_subcommand start" -l set -d 'Override one configuration key, e.g. --set gateway.request_timeout=5s' -r
complete -c bitcraps -n "__fish_bitcraps_using_subcommand start" -l state-dir -d 'State dir: pids, logs, data, keys, secrets and the control socket' -r -F
complete -c bitcraps -n "__fish_bitcraps_using_subcommand start" -s o -l output -d 'Output format of queries' -r -f -a "table\t'Aligned columns for people'
json\t'JSON for scripts (JSON lines when streaming)'"
complete -c bitcraps -n "__fish_bitcraps_using_subcommand start" -l color -d 'Color: auto (terminal and no NO_COLOR), always, never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c bitcraps -n "__fish_bitcraps_using_subcommand start" -s q -l quiet -d 'Print only what scripts need (errors still go to stderr)'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand start" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand start" -s V -l version -d 'Print version'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand config; and not __fish_seen_subcommand_from show check default help" -s c -l config -d 'Configuration file (default: ./bitcraps.toml when present)' -r -F
complete -c bitcraps -n "__fish_bitcraps_using_subcommand config; and not __fish_seen_subcommand_from show check default help" -l set -d 'Override one configuration key, e.g. --set gateway.request_timeout=5s' -r
complete -c bitcraps -n "__fish_bitcraps_using_subcommand config; and not __fish_seen_subcommand_from show check default help" -l state-dir -d 'State dir: pids, logs, data, keys, secrets and the control socket' -r -F
complete -c bitcraps -n "__fish_bitcraps_using_subcommand config; and not __fish_seen_subcommand_from show check default help" -s o -l output -d 'Output format of queries' -r -f -a "table\t'Aligned columns for people'
json\t'JSON for scripts (JSON lines when streaming)'"
complete -c bitcraps -n "__fish_bitcraps_using_subcommand config; and not __fish_seen_subcommand_from show check default help" -l color -d 'Color: auto (terminal and no NO_COLOR), always, never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c bitcraps -n "__fish_bitcraps_using_subcommand config; and not __fish_seen_subcommand_from show check default help" -s q -l quiet -d 'Print only what scripts need (errors still go to stderr)'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand config; and not __fish_seen_subcommand_from show check default help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand config; and not __fish_seen_subcommand_from show check default help" -s V -l version -d 'Print version'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand config; and not __fish_seen_subcommand_from show check default help" -f -a "show" -d 'Print the effective configuration and where each value came from'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand config; and not __fish_seen_subcommand_from show check default help" -f -a "check" -d 'Validate a configuration file (the environment is not consulted)'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand config; and not __fish_seen_subcommand_from show check default help" -f -a "default" -d 'Print the documented default configuration (config/bitcraps.toml)'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand config; and not __fish_seen_subcommand_from show check default help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand config; and __fish_seen_subcommand_from show" -s c -l config -d 'Configuration file (default: ./bitcraps.toml when present)' -r -F
complete -c bitcraps -n "__fish_bitcraps_using_subcommand config; and __fish_seen_subcommand_from show" -l set -d 'Override one configuration key, e.g. --set gateway.request_timeout=5s' -r
complete -c bitcraps -n "__fish_bitcraps_using_subcommand config; and __fish_seen_subcommand_from show" -l state-dir -d 'State dir: pids, logs, data, keys, secrets and the control socket' -r -F
complete -c bitcraps -n "__fish_bitcraps_using_subcommand config; and __fish_seen_subcommand_from show" -s o -l output -d 'Output format of queries' -r -f -a "table\t'Aligned columns for people'
json\t'JSON for scripts (JSON lines when streaming)'"
complete -c bitcraps -n "__fish_bitcraps_using_subcommand config; and __fish_seen_subcommand_from show" -l color -d 'Color: auto (terminal and no NO_COLOR), always, never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c bitcraps -n "__fish_bitcraps_using_subcommand config; and __fish_seen_subcommand_from show" -s q -l quiet -d 'Print only what scripts need (errors still go to stderr)'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand config; and __fish_seen_subcommand_from show" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand config; and __fish_seen_subcommand_from show" -s V -l version -d 'Print version'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand config; and __fish_seen_subcommand_from check" -s c -l config -d 'Configuration file (default: ./bitcraps.toml when present)' -r -F
complete -c bitcraps -n "__fish_bitcraps_using_subcommand config; and __fish_seen_subcommand_from check" -l set -d 'Override one configuration key, e.g. --set gateway.request_timeout=5s' -r
complete -c bitcraps -n "__fish_bitcraps_using_subcommand config; and __fish_seen_subcommand_from check" -l state-dir -d 'State dir: pids, logs, data, keys, secrets and the control socket' -r -F
complete -c bitcraps -n "__fish_bitcraps_using_subcommand config; and __fish_seen_subcommand_from check" -s o -l output -d 'Output format of queries' -r -f -a "table\t'Aligned columns for people'
json\t'JSON for scripts (JSON lines when streaming)'"
complete -c bitcraps -n "__fish_bitcraps_using_subcommand config; and __fish_seen_subcommand_from check" -l color -d 'Color: auto (terminal and no NO_COLOR), always, never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c bitcraps -n "__fish_bitcraps_using_subcommand config; and __fish_seen_subcommand_from check" -s q -l quiet -d 'Print only what scripts need (errors still go to stderr)'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand config; and __fish_seen_subcommand_from check" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand config; and __fish_seen_subcommand_from check" -s V -l version -d 'Print version'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand config; and __fish_seen_subcommand_from default" -s c -l config -d 'Configuration file (default: ./bitcraps.toml when present)' -r -F
complete -c bitcraps -n "__fish_bitcraps_using_subcommand config; and __fish_seen_subcommand_from default" -l set -d 'Override one configuration key, e.g. --set gateway.request_timeout=5s' -r
complete -c bitcraps -n "__fish_bitcraps_using_subcommand config; and __fish_seen_subcommand_from default" -l state-dir -d 'State dir: pids, logs, data, keys, secrets and the control socket' -r -F
complete -c bitcraps -n "__fish_bitcraps_using_subcommand config; and __fish_seen_subcommand_from default" -s o -l output -d 'Output format of queries' -r -f -a "table\t'Aligned columns for people'
json\t'JSON for scripts (JSON lines when streaming)'"
complete -c bitcraps -n "__fish_bitcraps_using_subcommand config; and __fish_seen_subcommand_from default" -l color -d 'Color: auto (terminal and no NO_COLOR), always, never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c bitcraps -n "__fish_bitcraps_using_subcommand config; and __fish_seen_subcommand_from default" -s q -l quiet -d 'Print only what scripts need (errors still go to stderr)'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand config; and __fish_seen_subcommand_from default" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand config; and __fish_seen_subcommand_from default" -s V -l version -d 'Print version'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand config; and __fish_seen_subcommand_from help" -f -a "show" -d 'Print the effective configuration and where each value came from'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand config; and __fish_seen_subcommand_from help" -f -a "check" -d 'Validate a configuration file (the environment is not consulted)'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand config; and __fish_seen_subcommand_from help" -f -a "default" -d 'Print the documented default configuration (config/bitcraps.toml)'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand config; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand auth; and not __fish_seen_subcommand_from token revoke rotate keys service-key apikey help" -s c -l config -d 'Configuration file (default: ./bitcraps.toml when present)' -r -F
complete -c bitcraps -n "__fish_bitcraps_using_subcommand auth; and not __fish_seen_subcommand_from token revoke rotate keys service-key apikey help" -l set -d 'Override one configuration key, e.g. --set gateway.request_timeout=5s' -r
complete -c bitcraps -n "__fish_bitcraps_using_subcommand auth; and not __fish_seen_subcommand_from token revoke rotate keys service-key apikey help" -l state-dir -d 'State dir: pids, logs, data, keys, secrets and the control socket' -r -F
complete -c bitcraps -n "__fish_bitcraps_using_subcommand auth; and not __fish_seen_subcommand_from token revoke rotate keys service-key apikey help" -s o -l output -d 'Output format of queries' -r -f -a "table\t'Aligned columns for people'
json\t'JSON for scripts (JSON lines when streaming)'"
complete -c bitcraps -n "__fish_bitcraps_using_subcommand auth; and not __fish_seen_subcommand_from token revoke rotate keys service-key apikey help" -l color -d 'Color: auto (terminal and no NO_COLOR), always, never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c bitcraps -n "__fish_bitcraps_using_subcommand auth; and not __fish_seen_subcommand_from token revoke rotate keys service-key apikey help" -s q -l quiet -d 'Print only what scripts need (errors still go to stderr)'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand auth; and not __fish_seen_subcommand_from token revoke rotate keys service-key apikey help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand auth; and not __fish_seen_subcommand_from token revoke rotate keys service-key apikey help" -s V -l version -d 'Print version'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand auth; and not __fish_seen_subcommand_from token revoke rotate keys service-key apikey help" -f -a "token" -d 'Mint a token (EdDSA) signed with the issuer key (the configured one, else the state dir\'s); HS256 with the secret under the opt-in'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand auth; and not __fish_seen_subcommand_from token revoke rotate keys service-key apikey help" -f -a "revoke" -d 'Revoke a token by its id (`jti`); every service refuses it within a second'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand auth; and not __fish_seen_subcommand_from token revoke rotate keys service-key apikey help" -f -a "rotate" -d 'Add a new issuer key: new tokens are signed with it, tokens of the old keys stay valid while those keys are in the set. `--retire KID` removes a key instead'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand auth; and not __fish_seen_subcommand_from token revoke rotate keys service-key apikey help" -f -a "keys" -d 'List the keys of the set (kid, scope)'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand auth; and not __fish_seen_subcommand_from token revoke rotate keys service-key apikey help" -f -a "service-key" -d 'Make (or show) each service NAME\'s own signing key and list it in the set with its one role, for services started outside `bitcraps up` (the compose file\'s `keys` step)'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand auth; and not __fish_seen_subcommand_from token revoke rotate keys service-key apikey help" -f -a "apikey" -d 'API keys: create (shown once), list, revoke'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand auth; and not __fish_seen_subcommand_from token revoke rotate keys service-key apikey help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand auth; and __fish_seen_subcommand_from token" -l sub -d 'Subject: the player (or operator) the token speaks for' -r
complete -c bitcraps -n "__fish_bitcraps_using_subcommand auth; and __fish_seen_subcommand_from token" -l role -d 'player, validator or admin' -r
complete -c bitcraps -n "__fish_bitcraps_using_subcommand auth; and __fish_seen_subcommand_from token" -l ttl -d 'Lifetime, e.g. 15m, 1h, 7d (at most 30 days)' -r
complete -c bitcraps -n "__fish_bitcraps_using_subcommand auth; and __fish_seen_subcommand_from token" -l aud -d 'Services the token is for (repeatable or comma-separated): gateway, engine, wallet, consensus. Default: all (the gateway forwards it)' -r
complete -c bitcraps -n "__fish_bitcraps_using_subcommand auth; and __fish_seen_subcommand_from token" -s c -l config -d 'Configuration file (default: ./bitcraps.toml when present)' -r -F
complete -c bitcraps -n "__fish_bitcraps_using_subcommand auth; and __fish_seen_subcommand_from token" -l set -d 'Override one configuration key, e.g. --set gateway.request_timeout=5s' -r
complete -c bitcraps -n "__fish_bitcraps_using_subcommand auth; and __fish_seen_subcommand_from token" -l state-dir -d 'State dir: pids, logs, data, keys, secrets and the control socket' -r -F
complete -c bitcraps -n "__fish_bitcraps_using_subcommand auth; and __fish_seen_subcommand_from token" -s o -l output -d 'Output format of queries' -r -f -a "table\t'Aligned columns for people'
json\t'JSON for scripts (JSON lines when streaming)'"
complete -c bitcraps -n "__fish_bitcraps_using_subcommand auth; and __fish_seen_subcommand_from token" -l color -d 'Color: auto (terminal and no NO_COLOR), always, never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c bitcraps -n "__fish_bitcraps_using_subcommand auth; and __fish_seen_subcommand_from token" -s q -l quiet -d 'Print only what scripts need (errors still go to stderr)'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand auth; and __fish_seen_subcommand_from token" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand auth; and __fish_seen_subcommand_from token" -s V -l version -d 'Print version'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand auth; and __fish_seen_subcommand_from revoke" -s c -l config -d 'Configuration file (default: ./bitcraps.toml when present)' -r -F
complete -c bitcraps -n "__fish_bitcraps_using_subcommand auth; and __fish_seen_subcommand_from revoke" -l set -d 'Override one configuration key, e.g. --set gateway.request_timeout=5s' -r
complete -c bitcraps -n "__fish_bitcraps_using_subcommand auth; and __fish_seen_subcommand_from revoke" -l state-dir -d 'State dir: pids, logs, data, keys, secrets and the control socket' -r -F
complete -c bitcraps -n "__fish_bitcraps_using_subcommand auth; and __fish_seen_subcommand_from revoke" -s o -l output -d 'Output format of queries' -r -f -a "table\t'Aligned columns for people'
json\t'JSON for scripts (JSON lines when streaming)'"
complete -c bitcraps -n "__fish_bitcraps_using_subcommand auth; and __fish_seen_subcommand_from revoke" -l color -d 'Color: auto (terminal and no NO_COLOR), always, never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c bitcraps -n "__fish_bitcraps_using_subcommand auth; and __fish_seen_subcommand_from revoke" -s q -l quiet -d 'Print only what scripts need (errors still go to stderr)'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand auth; and __fish_seen_subcommand_from revoke" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand auth; and __fish_seen_subcommand_from revoke" -s V -l version -d 'Print version'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand auth; and __fish_seen_subcommand_from rotate" -l retire -d 'Remove this key from the set (its tokens stop working)' -r
complete -c bitcraps -n "__fish_bitcraps_using_subcommand auth; and __fish_seen_subcommand_from rotate" -s c -l config -d 'Configuration file (default: ./bitcraps.toml when present)' -r -F
complete -c bitcraps -n "__fish_bitcraps_using_subcommand auth; and __fish_seen_subcommand_from rotate" -l set -d 'Override one configuration key, e.g. --set gateway.request_timeout=5s' -r
complete -c bitcraps -n "__fish_bitcraps_using_subcommand auth; and __fish_seen_subcommand_from rotate" -l state-dir -d 'State dir: pids, logs, data, keys, secrets and the control socket' -r -F
complete -c bitcraps -n "__fish_bitcraps_using_subcommand auth; and __fish_seen_subcommand_from rotate" -s o -l output -d 'Output format of queries' -r -f -a "table\t'Aligned columns for people'
json\t'JSON for scripts (JSON lines when streaming)'"
complete -c bitcraps -n "__fish_bitcraps_using_subcommand auth; and __fish_seen_subcommand_from rotate" -l color -d 'Color: auto (terminal and no NO_COLOR), always, never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c bitcraps -n "__fish_bitcraps_using_subcommand auth; and __fish_seen_subcommand_from rotate" -s q -l quiet -d 'Print only what scripts need (errors still go to stderr)'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand auth; and __fish_seen_subcommand_from rotate" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand auth; and __fish_seen_subcommand_from rotate" -s V -l version -d 'Print version'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand auth; and __fish_seen_subcommand_from keys" -s c -l config -d 'Configuration file (default: ./bitcraps.toml when present)' -r -F
complete -c bitcraps -n "__fish_bitcraps_using_subcommand auth; and __fish_seen_subcommand_from keys" -l set -d 'Override one configuration key, e.g. --set gateway.request_timeout=5s' -r
complete -c bitcraps -n "__fish_bitcraps_using_subcommand auth; and __fish_seen_subcommand_from keys" -l state-dir -d 'State dir: pids, logs, data, keys, secrets and the control socket' -r -F
complete -c bitcraps -n "__fish_bitcraps_using_subcommand auth; and __fish_seen_subcommand_from keys" -s o -l output -d 'Output format of queries' -r -f -a "table\t'Aligned columns for people'
json\t'JSON for scripts (JSON lines when streaming)'"
complete -c bitcraps -n "__fish_bitcraps_using_subcommand auth; and __fish_seen_subcommand_from keys" -l color -d 'Color: auto (terminal and no NO_COLOR), always, never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c bitcraps -n "__fish_bitcraps_using_subcommand auth; and __fish_seen_subcommand_from keys" -s q -l quiet -d 'Print only what scripts need (errors still go to stderr)'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand auth; and __fish_seen_subcommand_from keys" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand auth; and __fish_seen_subcommand_from keys" -s V -l version -d 'Print version'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand auth; and __fish_seen_subcommand_from service-key" -l role -d 'engine or wallet (default: from the name)' -r
complete -c bitcraps -n "__fish_bitcraps_using_subcommand auth; and __fish_seen_subcommand_from service-key" -s c -l config -d 'Configuration file (default: ./bitcraps.toml when present)' -r -F
complete -c bitcraps -n "__fish_bitcraps_using_subcommand auth; and __fish_seen_subcommand_from service-key" -l set -d 'Override one configuration key, e.g. --set gateway.request_timeout=5s' -r
complete -c bitcraps -n "__fish_bitcraps_using_subcommand auth; and __fish_seen_subcommand_from service-key" -l state-dir -d 'State dir: pids, logs, data, keys, secrets and the control socket' -r -F
complete -c bitcraps -n "__fish_bitcraps_using_subcommand auth; and __fish_seen_subcommand_from service-key" -s o -l output -d 'Output format of queries' -r -f -a "table\t'Aligned columns for people'
json\t'JSON for scripts (JSON lines when streaming)'"
complete -c bitcraps -n "__fish_bitcraps_using_subcommand auth; and __fish_seen_subcommand_from service-key" -l color -d 'Color: auto (terminal and no NO_COLOR), always, never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c bitcraps -n "__fish_bitcraps_using_subcommand auth; and __fish_seen_subcommand_from service-key" -s q -l quiet -d 'Print only what scripts need (errors still go to stderr)'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand auth; and __fish_seen_subcommand_from service-key" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand auth; and __fish_seen_subcommand_from service-key" -s V -l version -d 'Print version'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand auth; and __fish_seen_subcommand_from apikey" -s c -l config -d 'Configuration file (default: ./bitcraps.toml when present)' -r -F
complete -c bitcraps -n "__fish_bitcraps_using_subcommand auth; and __fish_seen_subcommand_from apikey" -l set -d 'Override one configuration key, e.g. --set gateway.request_timeout=5s' -r
complete -c bitcraps -n "__fish_bitcraps_using_subcommand auth; and __fish_seen_subcommand_from apikey" -l state-dir -d 'State dir: pids, logs, data, keys, secrets and the control socket' -r -F
complete -c bitcraps -n "__fish_bitcraps_using_subcommand auth; and __fish_seen_subcommand_from apikey" -s o -l output -d 'Output format of queries' -r -f -a "table\t'Aligned columns for people'
json\t'JSON for scripts (JSON lines when streaming)'"
complete -c bitcraps -n "__fish_bitcraps_using_subcommand auth; and __fish_seen_subcommand_from apikey" -l color -d 'Color: auto (terminal and no NO_COLOR), always, never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c bitcraps -n "__fish_bitcraps_using_subcommand auth; and __fish_seen_subcommand_from apikey" -s q -l quiet -d 'Print only what scripts need (errors still go to stderr)'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand auth; and __fish_seen_subcommand_from apikey" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand auth; and __fish_seen_subcommand_from apikey" -s V -l version -d 'Print version'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand auth; and __fish_seen_subcommand_from apikey" -f -a "create" -d 'Create a key; it is printed once and stored only as a hash'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand auth; and __fish_seen_subcommand_from apikey" -f -a "list" -d 'List keys (never the keys themselves)'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand auth; and __fish_seen_subcommand_from apikey" -f -a "revoke" -d 'Revoke a key by id; it stops working on the next request'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand auth; and __fish_seen_subcommand_from apikey" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand auth; and __fish_seen_subcommand_from help" -f -a "token" -d 'Mint a token (EdDSA) signed with the issuer key (the configured one, else the state dir\'s); HS256 with the secret under the opt-in'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand auth; and __fish_seen_subcommand_from help" -f -a "revoke" -d 'Revoke a token by its id (`jti`); every service refuses it within a second'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand auth; and __fish_seen_subcommand_from help" -f -a "rotate" -d 'Add a new issuer key: new tokens are signed with it, tokens of the old keys stay valid while those keys are in the set. `--retire KID` removes a key instead'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand auth; and __fish_seen_subcommand_from help" -f -a "keys" -d 'List the keys of the set (kid, scope)'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand auth; and __fish_seen_subcommand_from help" -f -a "service-key" -d 'Make (or show) each service NAME\'s own signing key and list it in the set with its one role, for services started outside `bitcraps up` (the compose file\'s `keys` step)'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand auth; and __fish_seen_subcommand_from help" -f -a "apikey" -d 'API keys: create (shown once), list, revoke'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand auth; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand certs; and not __fish_seen_subcommand_from rotate issue help" -s c -l config -d 'Configuration file (default: ./bitcraps.toml when present)' -r -F
complete -c bitcraps -n "__fish_bitcraps_using_subcommand certs; and not __fish_seen_subcommand_from rotate issue help" -l set -d 'Override one configuration key, e.g. --set gateway.request_timeout=5s' -r
complete -c bitcraps -n "__fish_bitcraps_using_subcommand certs; and not __fish_seen_subcommand_from rotate issue help" -l state-dir -d 'State dir: pids, logs, data, keys, secrets and the control socket' -r -F
complete -c bitcraps -n "__fish_bitcraps_using_subcommand certs; and not __fish_seen_subcommand_from rotate issue help" -s o -l output -d 'Output format of queries' -r -f -a "table\t'Aligned columns for people'
json\t'JSON for scripts (JSON lines when streaming)'"
complete -c bitcraps -n "__fish_bitcraps_using_subcommand certs; and not __fish_seen_subcommand_from rotate issue help" -l color -d 'Color: auto (terminal and no NO_COLOR), always, never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c bitcraps -n "__fish_bitcraps_using_subcommand certs; and not __fish_seen_subcommand_from rotate issue help" -s q -l quiet -d 'Print only what scripts need (errors still go to stderr)'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand certs; and not __fish_seen_subcommand_from rotate issue help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand certs; and not __fish_seen_subcommand_from rotate issue help" -s V -l version -d 'Print version'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand certs; and not __fish_seen_subcommand_from rotate issue help" -f -a "rotate" -d 'Make a new certificate and key for every instance and the `cli` identity, signed by the same CA, each file replaced atomically. Running services load theirs within a second, for new connections; requests in flight finish on the old ones'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand certs; and not __fish_seen_subcommand_from rotate issue help" -f -a "issue" -d 'Make the state dir\'s CA (when there is none) and a certificate for each named instance, keeping those still valid for their names (for hosts where each service is started on its own, e.g. the compose file\'s `certs` step; `up` does this itself)'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand certs; and not __fish_seen_subcommand_from rotate issue help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand certs; and __fish_seen_subcommand_from rotate" -s c -l config -d 'Configuration file (default: ./bitcraps.toml when present)' -r -F
complete -c bitcraps -n "__fish_bitcraps_using_subcommand certs; and __fish_seen_subcommand_from rotate" -l set -d 'Override one configuration key, e.g. --set gateway.request_timeout=5s' -r
complete -c bitcraps -n "__fish_bitcraps_using_subcommand certs; and __fish_seen_subcommand_from rotate" -l state-dir -d 'State dir: pids, logs, data, keys, secrets and the control socket' -r -F
complete -c bitcraps -n "__fish_bitcraps_using_subcommand certs; and __fish_seen_subcommand_from rotate" -s o -l output -d 'Output format of queries' -r -f -a "table\t'Aligned columns for people'
json\t'JSON for scripts (JSON lines when streaming)'"
complete -c bitcraps -n "__fish_bitcraps_using_subcommand certs; and __fish_seen_subcommand_from rotate" -l color -d 'Color: auto (terminal and no NO_COLOR), always, never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c bitcraps -n "__fish_bitcraps_using_subcommand certs; and __fish_seen_subcommand_from rotate" -s q -l quiet -d 'Print only what scripts need (errors still go to stderr)'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand certs; and __fish_seen_subcommand_from rotate" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand certs; and __fish_seen_subcommand_from rotate" -s V -l version -d 'Print version'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand certs; and __fish_seen_subcommand_from issue" -l instance -d 'An instance to certify: gateway, engine-N, validator-N, wallet (or wallet-N), cli. Repeatable. Default: every instance `up` would start, the gateway and cli' -r
complete -c bitcraps -n "__fish_bitcraps_using_subcommand certs; and __fish_seen_subcommand_from issue" -l ip -d 'An IP address to name in every certificate besides 127.0.0.1 (clients check roles, not addresses; this is for tools such as curl that check the address). Repeatable' -r
complete -c bitcraps -n "__fish_bitcraps_using_subcommand certs; and __fish_seen_subcommand_from issue" -s c -l config -d 'Configuration file (default: ./bitcraps.toml when present)' -r -F
complete -c bitcraps -n "__fish_bitcraps_using_subcommand certs; and __fish_seen_subcommand_from issue" -l set -d 'Override one configuration key, e.g. --set gateway.request_timeout=5s' -r
complete -c bitcraps -n "__fish_bitcraps_using_subcommand certs; and __fish_seen_subcommand_from issue" -l state-dir -d 'State dir: pids, logs, data, keys, secrets and the control socket' -r -F
complete -c bitcraps -n "__fish_bitcraps_using_subcommand certs; and __fish_seen_subcommand_from issue" -s o -l output -d 'Output format of queries' -r -f -a "table\t'Aligned columns for people'
json\t'JSON for scripts (JSON lines when streaming)'"
complete -c bitcraps -n "__fish_bitcraps_using_subcommand certs; and __fish_seen_subcommand_from issue" -l color -d 'Color: auto (terminal and no NO_COLOR), always, never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c bitcraps -n "__fish_bitcraps_using_subcommand certs; and __fish_seen_subcommand_from issue" -s q -l quiet -d 'Print only what scripts need (errors still go to stderr)'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand certs; and __fish_seen_subcommand_from issue" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand certs; and __fish_seen_subcommand_from issue" -s V -l version -d 'Print version'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand certs; and __fish_seen_subcommand_from help" -f -a "rotate" -d 'Make a new certificate and key for every instance and the `cli` identity, signed by the same CA, each file replaced atomically. Running services load theirs within a second, for new connections; requests in flight finish on the old ones'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand certs; and __fish_seen_subcommand_from help" -f -a "issue" -d 'Make the state dir\'s CA (when there is none) and a certificate for each named instance, keeping those still valid for their names (for hosts where each service is started on its own, e.g. the compose file\'s `certs` step; `up` does this itself)'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand certs; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand sandbox; and not __fish_seen_subcommand_from show probe help" -s c -l config -d 'Configuration file (default: ./bitcraps.toml when present)' -r -F
complete -c bitcraps -n "__fish_bitcraps_using_subcommand sandbox; and not __fish_seen_subcommand_from show probe help" -l set -d 'Override one configuration key, e.g. --set gateway.request_timeout=5s' -r
complete -c bitcraps -n "__fish_bitcraps_using_subcommand sandbox; and not __fish_seen_subcommand_from show probe help" -l state-dir -d 'State dir: pids, logs, data, keys, secrets and the control socket' -r -F
complete -c bitcraps -n "__fish_bitcraps_using_subcommand sandbox; and not __fish_seen_subcommand_from show probe help" -s o -l output -d 'Output format of queries' -r -f -a "table\t'Aligned columns for people'
json\t'JSON for scripts (JSON lines when streaming)'"
complete -c bitcraps -n "__fish_bitcraps_using_subcommand sandbox; and not __fish_seen_subcommand_from show probe help" -l color -d 'Color: auto (terminal and no NO_COLOR), always, never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c bitcraps -n "__fish_bitcraps_using_subcommand sandbox; and not __fish_seen_subcommand_from show probe help" -s q -l quiet -d 'Print only what scripts need (errors still go to stderr)'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand sandbox; and not __fish_seen_subcommand_from show probe help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand sandbox; and not __fish_seen_subcommand_from show probe help" -s V -l version -d 'Print version'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand sandbox; and not __fish_seen_subcommand_from show probe help" -f -a "show" -d 'List what INSTANCE may open once confined: each path, its access (read, read_exec, read_write) and why'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand sandbox; and not __fish_seen_subcommand_from show probe help" -f -a "probe" -d 'Confine this process exactly as INSTANCE confines itself, then try to open every file under the state dir: what the kernel lets that service read. Exit 6 when a file meant to be out of its reach (a private key, another service\'s data) could be read, for instance on a kernel without Landlock'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand sandbox; and not __fish_seen_subcommand_from show probe help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand sandbox; and __fish_seen_subcommand_from show" -s c -l config -d 'Configuration file (default: ./bitcraps.toml when present)' -r -F
complete -c bitcraps -n "__fish_bitcraps_using_subcommand sandbox; and __fish_seen_subcommand_from show" -l set -d 'Override one configuration key, e.g. --set gateway.request_timeout=5s' -r
complete -c bitcraps -n "__fish_bitcraps_using_subcommand sandbox; and __fish_seen_subcommand_from show" -l state-dir -d 'State dir: pids, logs, data, keys, secrets and the control socket' -r -F
complete -c bitcraps -n "__fish_bitcraps_using_subcommand sandbox; and __fish_seen_subcommand_from show" -s o -l output -d 'Output format of queries' -r -f -a "table\t'Aligned columns for people'
json\t'JSON for scripts (JSON lines when streaming)'"
complete -c bitcraps -n "__fish_bitcraps_using_subcommand sandbox; and __fish_seen_subcommand_from show" -l color -d 'Color: auto (terminal and no NO_COLOR), always, never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c bitcraps -n "__fish_bitcraps_using_subcommand sandbox; and __fish_seen_subcommand_from show" -s q -l quiet -d 'Print only what scripts need (errors still go to stderr)'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand sandbox; and __fish_seen_subcommand_from show" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand sandbox; and __fish_seen_subcommand_from show" -s V -l version -d 'Print version'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand sandbox; and __fish_seen_subcommand_from probe" -s c -l config -d 'Configuration file (default: ./bitcraps.toml when present)' -r -F
complete -c bitcraps -n "__fish_bitcraps_using_subcommand sandbox; and __fish_seen_subcommand_from probe" -l set -d 'Override one configuration key, e.g. --set gateway.request_timeout=5s' -r
complete -c bitcraps -n "__fish_bitcraps_using_subcommand sandbox; and __fish_seen_subcommand_from probe" -l state-dir -d 'State dir: pids, logs, data, keys, secrets and the control socket' -r -F
complete -c bitcraps -n "__fish_bitcraps_using_subcommand sandbox; and __fish_seen_subcommand_from probe" -s o -l output -d 'Output format of queries' -r -f -a "table\t'Aligned columns for people'
json\t'JSON for scripts (JSON lines when streaming)'"
complete -c bitcraps -n "__fish_bitcraps_using_subcommand sandbox; and __fish_seen_subcommand_from probe" -l color -d 'Color: auto (terminal and no NO_COLOR), always, never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c bitcraps -n "__fish_bitcraps_using_subcommand sandbox; and __fish_seen_subcommand_from probe" -s q -l quiet -d 'Print only what scripts need (errors still go to stderr)'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand sandbox; and __fish_seen_subcommand_from probe" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand sandbox; and __fish_seen_subcommand_from probe" -s V -l version -d 'Print version'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand sandbox; and __fish_seen_subcommand_from help" -f -a "show" -d 'List what INSTANCE may open once confined: each path, its access (read, read_exec, read_write) and why'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand sandbox; and __fish_seen_subcommand_from help" -f -a "probe" -d 'Confine this process exactly as INSTANCE confines itself, then try to open every file under the state dir: what the kernel lets that service read. Exit 6 when a file meant to be out of its reach (a private key, another service\'s data) could be read, for instance on a kernel without Landlock'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand sandbox; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand game; and not __fish_seen_subcommand_from create list watch show bet roll act verify help" -s c -l config -d 'Configuration file (default: ./bitcraps.toml when present)' -r -F
complete -c bitcraps -n "__fish_bitcraps_using_subcommand game; and not __fish_seen_subcommand_from create list watch show bet roll act verify help" -l set -d 'Override one configuration key, e.g. --set gateway.request_timeout=5s' -r
complete -c bitcraps -n "__fish_bitcraps_using_subcommand game; and not __fish_seen_subcommand_from create list watch show bet roll act verify help" -l state-dir -d 'State dir: pids, logs, data, keys, secrets and the control socket' -r -F
complete -c bitcraps -n "__fish_bitcraps_using_subcommand game; and not __fish_seen_subcommand_from create list watch show bet roll act verify help" -s o -l output -d 'Output format of queries' -r -f -a "table\t'Aligned columns for people'
json\t'JSON for scripts (JSON lines when streaming)'"
complete -c bitcraps -n "__fish_bitcraps_using_subcommand game; and not __fish_seen_subcommand_from create list watch show bet roll act verify help" -l color -d 'Color: auto (terminal and no NO_COLOR), always, never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c bitcraps -n "__fish_bitcraps_using_subcommand game; and not __fish_seen_subcommand_from create list watch show bet roll act verify help" -s q -l quiet -d 'Print only what scripts need (errors still go to stderr)'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand game; and not __fish_seen_subcommand_from create list watch show bet roll act verify help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand game; and not __fish_seen_subcommand_from create list watch show bet roll act verify help" -s V -l version -d 'Print version'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand game; and not __fish_seen_subcommand_from create list watch show bet roll act verify help" -f -a "create" -d 'Create a game: `--player alice:1000 --player bob:500`'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand game; and not __fish_seen_subcommand_from create list watch show bet roll act verify help" -f -a "list" -d 'List games'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand game; and not __fish_seen_subcommand_from create list watch show bet roll act verify help" -f -a "watch" -d 'Follow a game\'s events live (JSON lines with --output json); ends when the game finishes'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand game; and not __fish_seen_subcommand_from create list watch show bet roll act verify help" -f -a "show" -d 'Show one game'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand game; and not __fish_seen_subcommand_from create list watch show bet roll act verify help" -f -a "bet" -d 'Place a craps bet: `--player alice --on pass --amount 10`'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand game; and not __fish_seen_subcommand_from create list watch show bet roll act verify help" -f -a "roll" -d 'Roll the dice (the shooter)'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand game; and not __fish_seen_subcommand_from create list watch show bet roll act verify help" -f -a "act" -d 'Any action: `act ID --player P hit`, `act ID --player P raise 40`, `act ID --player P seed MY-CLIENT-SEED`'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand game; and not __fish_seen_subcommand_from create list watch show bet roll act verify help" -f -a "verify" -d 'Check a finished game: the seed against the commitment, every roll and shuffle recomputed, and the anchors against the validators'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand game; and not __fish_seen_subcommand_from create list watch show bet roll act verify help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand game; and __fish_seen_subcommand_from create" -l type -r -f -a "craps\t''
blackjack\t''
poker\t''"
complete -c bitcraps -n "__fish_bitcraps_using_subcommand game; and __fish_seen_subcommand_from create" -l player -d 'NAME[:BUYIN] (default buy-in 1000); repeat for more players' -r
complete -c bitcraps -n "__fish_bitcraps_using_subcommand game; and __fish_seen_subcommand_from create" -l min-bet -r
complete -c bitcraps -n "__fish_bitcraps_using_subcommand game; and __fish_seen_subcommand_from create" -l max-bet -r
complete -c bitcraps -n "__fish_bitcraps_using_subcommand game; and __fish_seen_subcommand_from create" -l seed -d 'A client seed for the first player, contributed once the game\'s commitment is published (mixed into every draw)' -r
complete -c bitcraps -n "__fish_bitcraps_using_subcommand game; and __fish_seen_subcommand_from create" -l gateway -d 'Gateway base URL (default: the configured gateway on 127.0.0.1)' -r
complete -c bitcraps -n "__fish_bitcraps_using_subcommand game; and __fish_seen_subcommand_from create" -l token -d 'Bearer token (default: an admin token signed with the issuer key)' -r
complete -c bitcraps -n "__fish_bitcraps_using_subcommand game; and __fish_seen_subcommand_from create" -s c -l config -d 'Configuration file (default: ./bitcraps.toml when present)' -r -F
complete -c bitcraps -n "__fish_bitcraps_using_subcommand game; and __fish_seen_subcommand_from create" -l set -d 'Override one configuration key, e.g. --set gateway.request_timeout=5s' -r
complete -c bitcraps -n "__fish_bitcraps_using_subcommand game; and __fish_seen_subcommand_from create" -l state-dir -d 'State dir: pids, logs, data, keys, secrets and the control socket' -r -F
complete -c bitcraps -n "__fish_bitcraps_using_subcommand game; and __fish_seen_subcommand_from create" -s o -l output -d 'Output format of queries' -r -f -a "table\t'Aligned columns for people'
json\t'JSON for scripts (JSON lines when streaming)'"
complete -c bitcraps -n "__fish_bitcraps_using_subcommand game; and __fish_seen_subcommand_from create" -l color -d 'Color: auto (terminal and no NO_COLOR), always, never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c bitcraps -n "__fish_bitcraps_using_subcommand game; and __fish_seen_subcommand_from create" -s q -l quiet -d 'Print only what scripts need (errors still go to stderr)'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand game; and __fish_seen_subcommand_from create" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand game; and __fish_seen_subcommand_from create" -s V -l version -d 'Print version'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand game; and __fish_seen_subcommand_from list" -l type -r
complete -c bitcraps -n "__fish_bitcraps_using_subcommand game; and __fish_seen_subcommand_from list" -l status -r
complete -c bitcraps -n "__fish_bitcraps_using_subcommand game; and __fish_seen_subcommand_from list" -l gateway -d 'Gateway base URL (default: the configured gateway on 127.0.0.1)' -r
complete -c bitcraps -n "__fish_bitcraps_using_subcommand game; and __fish_seen_subcommand_from list" -l token -d 'Bearer token (default: an admin token signed with the issuer key)' -r
complete -c bitcraps -n "__fish_bitcraps_using_subcommand game; and __fish_seen_subcommand_from list" -s c -l config -d 'Configuration file (default: ./bitcraps.toml when present)' -r -F
complete -c bitcraps -n "__fish_bitcraps_using_subcommand game; and __fish_seen_subcommand_from list" -l set -d 'Override one configuration key, e.g. --set gateway.request_timeout=5s' -r
complete -c bitcraps -n "__fish_bitcraps_using_subcommand game; and __fish_seen_subcommand_from list" -l state-dir -d 'State dir: pids, logs, data, keys, secrets and the control socket' -r -F
complete -c bitcraps -n "__fish_bitcraps_using_subcommand game; and __fish_seen_subcommand_from list" -s o -l output -d 'Output format of queries' -r -f -a "table\t'Aligned columns for people'
json\t'JSON for scripts (JSON lines when streaming)'"
complete -c bitcraps -n "__fish_bitcraps_using_subcommand game; and __fish_seen_subcommand_from list" -l color -d 'Color: auto (terminal and no NO_COLOR), always, never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c bitcraps -n "__fish_bitcraps_using_subcommand game; and __fish_seen_subcommand_from list" -s q -l quiet -d 'Print only what scripts need (errors still go to stderr)'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand game; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand game; and __fish_seen_subcommand_from list" -s V -l version -d 'Print version'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand game; and __fish_seen_subcommand_from watch" -l after -d 'Start after this event number (0 = from the beginning)' -r
complete -c bitcraps -n "__fish_bitcraps_using_subcommand game; and __fish_seen_subcommand_from watch" -l gateway -d 'Gateway base URL (default: the configured gateway on 127.0.0.1)' -r
complete -c bitcraps -n "__fish_bitcraps_using_subcommand game; and __fish_seen_subcommand_from watch" -l token -d 'Bearer token (default: an admin token signed with the issuer key)' -r
complete -c bitcraps -n "__fish_bitcraps_using_subcommand game; and __fish_seen_subcommand_from watch" -s c -l config -d 'Configuration file (default: ./bitcraps.toml when present)' -r -F
complete -c bitcraps -n "__fish_bitcraps_using_subcommand game; and __fish_seen_subcommand_from watch" -l set -d 'Override one configuration key, e.g. --set gateway.request_timeout=5s' -r
complete -c bitcraps -n "__fish_bitcraps_using_subcommand game; and __fish_seen_subcommand_from watch" -l state-dir -d 'State dir: pids, logs, data, keys, secrets and the control socket' -r -F
complete -c bitcraps -n "__fish_bitcraps_using_subcommand game; and __fish_seen_subcommand_from watch" -s o -l output -d 'Output format of queries' -r -f -a "table\t'Aligned columns for people'
json\t'JSON for scripts (JSON lines when streaming)'"
complete -c bitcraps -n "__fish_bitcraps_using_subcommand game; and __fish_seen_subcommand_from watch" -l color -d 'Color: auto (terminal and no NO_COLOR), always, never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c bitcraps -n "__fish_bitcraps_using_subcommand game; and __fish_seen_subcommand_from watch" -s q -l quiet -d 'Print only what scripts need (errors still go to stderr)'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand game; and __fish_seen_subcommand_from watch" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand game; and __fish_seen_subcommand_from watch" -s V -l version -d 'Print version'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand game; and __fish_seen_subcommand_from show" -l gateway -d 'Gateway base URL (default: the configured gateway on 127.0.0.1)' -r
complete -c bitcraps -n "__fish_bitcraps_using_subcommand game; and __fish_seen_subcommand_from show" -l token -d 'Bearer token (default: an admin token signed with the issuer key)' -r
complete -c bitcraps -n "__fish_bitcraps_using_subcommand game; and __fish_seen_subcommand_from show" -s c -l config -d 'Configuration file (default: ./bitcraps.toml when present)' -r -F
complete -c bitcraps -n "__fish_bitcraps_using_subcommand game; and __fish_seen_subcommand_from show" -l set -d 'Override one configuration key, e.g. --set gateway.request_timeout=5s' -r
complete -c bitcraps -n "__fish_bitcraps_using_subcommand game; and __fish_seen_subcommand_from show" -l state-dir -d 'State dir: pids, logs, data, keys, secrets and the control socket' -r -F
complete -c bitcraps -n "__fish_bitcraps_using_subcommand game; and __fish_seen_subcommand_from show" -s o -l output -d 'Output format of queries' -r -f -a "table\t'Aligned columns for people'
json\t'JSON for scripts (JSON lines when streaming)'"
complete -c bitcraps -n "__fish_bitcraps_using_subcommand game; and __fish_seen_subcommand_from show" -l color -d 'Color: auto (terminal and no NO_COLOR), always, never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c bitcraps -n "__fish_bitcraps_using_subcommand game; and __fish_seen_subcommand_from show" -s q -l quiet -d 'Print only what scripts need (errors still go to stderr)'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand game; and __fish_seen_subcommand_from show" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand game; and __fish_seen_subcommand_from show" -s V -l version -d 'Print version'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand game; and __fish_seen_subcommand_from bet" -l player -r
complete -c bitcraps -n "__fish_bitcraps_using_subcommand game; and __fish_seen_subcommand_from bet" -l on -r
complete -c bitcraps -n "__fish_bitcraps_using_subcommand game; and __fish_seen_subcommand_from bet" -l amount -r
complete -c bitcraps -n "__fish_bitcraps_using_subcommand game; and __fish_seen_subcommand_from bet" -l gateway -d 'Gateway base URL (default: the configured gateway on 127.0.0.1)' -r
complete -c bitcraps -n "__fish_bitcraps_using_subcommand game; and __fish_seen_subcommand_from bet" -l token -d 'Bearer token (default: an admin token signed with the issuer key)' -r
complete -c bitcraps -n "__fish_bitcraps_using_subcommand game; and __fish_seen_subcommand_from bet" -s c -l config -d 'Configuration file (default: ./bitcraps.toml when present)' -r -F
complete -c bitcraps -n "__fish_bitcraps_using_subcommand game; and __fish_seen_subcommand_from bet" -l set -d 'Override one configuration key, e.g. --set gateway.request_timeout=5s' -r
complete -c bitcraps -n "__fish_bitcraps_using_subcommand game; and __fish_seen_subcommand_from bet" -l state-dir -d 'State dir: pids, logs, data, keys, secrets and the control socket' -r -F
complete -c bitcraps -n "__fish_bitcraps_using_subcommand game; and __fish_seen_subcommand_from bet" -s o -l output -d 'Output format of queries' -r -f -a "table\t'Aligned columns for people'
json\t'JSON for scripts (JSON lines when streaming)'"
complete -c bitcraps -n "__fish_bitcraps_using_subcommand game; and __fish_seen_subcommand_from bet" -l color -d 'Color: auto (terminal and no NO_COLOR), always, never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c bitcraps -n "__fish_bitcraps_using_subcommand game; and __fish_seen_subcommand_from bet" -s q -l quiet -d 'Print only what scripts need (errors still go to stderr)'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand game; and __fish_seen_subcommand_from bet" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand game; and __fish_seen_subcommand_from bet" -s V -l version -d 'Print version'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand game; and __fish_seen_subcommand_from roll" -l player -r
complete -c bitcraps -n "__fish_bitcraps_using_subcommand game; and __fish_seen_subcommand_from roll" -l gateway -d 'Gateway base URL (default: the configured gateway on 127.0.0.1)' -r
complete -c bitcraps -n "__fish_bitcraps_using_subcommand game; and __fish_seen_subcommand_from roll" -l token -d 'Bearer token (default: an admin token signed with the issuer key)' -r
complete -c bitcraps -n "__fish_bitcraps_using_subcommand game; and __fish_seen_subcommand_from roll" -s c -l config -d 'Configuration file (default: ./bitcraps.toml when present)' -r -F
complete -c bitcraps -n "__fish_bitcraps_using_subcommand game; and __fish_seen_subcommand_from roll" -l set -d 'Override one configuration key, e.g. --set gateway.request_timeout=5s' -r
complete -c bitcraps -n "__fish_bitcraps_using_subcommand game; and __fish_seen_subcommand_from roll" -l state-dir -d 'State dir: pids, logs, data, keys, secrets and the control socket' -r -F
complete -c bitcraps -n "__fish_bitcraps_using_subcommand game; and __fish_seen_subcommand_from roll" -s o -l output -d 'Output format of queries' -r -f -a "table\t'Aligned columns for people'
json\t'JSON for scripts (JSON lines when streaming)'"
complete -c bitcraps -n "__fish_bitcraps_using_subcommand game; and __fish_seen_subcommand_from roll" -l color -d 'Color: auto (terminal and no NO_COLOR), always, never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c bitcraps -n "__fish_bitcraps_using_subcommand game; and __fish_seen_subcommand_from roll" -s q -l quiet -d 'Print only what scripts need (errors still go to stderr)'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand game; and __fish_seen_subcommand_from roll" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand game; and __fish_seen_subcommand_from roll" -s V -l version -d 'Print version'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand game; and __fish_seen_subcommand_from act" -l player -r
complete -c bitcraps -n "__fish_bitcraps_using_subcommand game; and __fish_seen_subcommand_from act" -l gateway -d 'Gateway base URL (default: the configured gateway on 127.0.0.1)' -r
complete -c bitcraps -n "__fish_bitcraps_using_subcommand game; and __fish_seen_subcommand_from act" -l token -d 'Bearer token (default: an admin token signed with the issuer key)' -r
complete -c bitcraps -n "__fish_bitcraps_using_subcommand game; and __fish_seen_subcommand_from act" -s c -l config -d 'Configuration file (default: ./bitcraps.toml when present)' -r -F
complete -c bitcraps -n "__fish_bitcraps_using_subcommand game; and __fish_seen_subcommand_from act" -l set -d 'Override one configuration key, e.g. --set gateway.request_timeout=5s' -r
complete -c bitcraps -n "__fish_bitcraps_using_subcommand game; and __fish_seen_subcommand_from act" -l state-dir -d 'State dir: pids, logs, data, keys, secrets and the control socket' -r -F
complete -c bitcraps -n "__fish_bitcraps_using_subcommand game; and __fish_seen_subcommand_from act" -s o -l output -d 'Output format of queries' -r -f -a "table\t'Aligned columns for people'
json\t'JSON for scripts (JSON lines when streaming)'"
complete -c bitcraps -n "__fish_bitcraps_using_subcommand game; and __fish_seen_subcommand_from act" -l color -d 'Color: auto (terminal and no NO_COLOR), always, never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c bitcraps -n "__fish_bitcraps_using_subcommand game; and __fish_seen_subcommand_from act" -s q -l quiet -d 'Print only what scripts need (errors still go to stderr)'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand game; and __fish_seen_subcommand_from act" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand game; and __fish_seen_subcommand_from act" -s V -l version -d 'Print version'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand game; and __fish_seen_subcommand_from verify" -l round -d 'Check one round of a chain game alone (its link, contributions, draws and every payout); by default every round that has ended' -r
complete -c bitcraps -n "__fish_bitcraps_using_subcommand game; and __fish_seen_subcommand_from verify" -l genesis -d 'The chain\'s genesis, to check the validators\' certificates on the anchoring blocks (default: the state dir\'s genesis.json)' -r -F
complete -c bitcraps -n "__fish_bitcraps_using_subcommand game; and __fish_seen_subcommand_from verify" -l gateway -d 'Gateway base URL (default: the configured gateway on 127.0.0.1)' -r
complete -c bitcraps -n "__fish_bitcraps_using_subcommand game; and __fish_seen_subcommand_from verify" -l token -d 'Bearer token (default: an admin token signed with the issuer key)' -r
complete -c bitcraps -n "__fish_bitcraps_using_subcommand game; and __fish_seen_subcommand_from verify" -s c -l config -d 'Configuration file (default: ./bitcraps.toml when present)' -r -F
complete -c bitcraps -n "__fish_bitcraps_using_subcommand game; and __fish_seen_subcommand_from verify" -l set -d 'Override one configuration key, e.g. --set gateway.request_timeout=5s' -r
complete -c bitcraps -n "__fish_bitcraps_using_subcommand game; and __fish_seen_subcommand_from verify" -l state-dir -d 'State dir: pids, logs, data, keys, secrets and the control socket' -r -F
complete -c bitcraps -n "__fish_bitcraps_using_subcommand game; and __fish_seen_subcommand_from verify" -s o -l output -d 'Output format of queries' -r -f -a "table\t'Aligned columns for people'
json\t'JSON for scripts (JSON lines when streaming)'"
complete -c bitcraps -n "__fish_bitcraps_using_subcommand game; and __fish_seen_subcommand_from verify" -l color -d 'Color: auto (terminal and no NO_COLOR), always, never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c bitcraps -n "__fish_bitcraps_using_subcommand game; and __fish_seen_subcommand_from verify" -s q -l quiet -d 'Print only what scripts need (errors still go to stderr)'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand game; and __fish_seen_subcommand_from verify" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand game; and __fish_seen_subcommand_from verify" -s V -l version -d 'Print version'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand game; and __fish_seen_subcommand_from help" -f -a "create" -d 'Create a game: `--player alice:1000 --player bob:500`'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand game; and __fish_seen_subcommand_from help" -f -a "list" -d 'List games'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand game; and __fish_seen_subcommand_from help" -f -a "watch" -d 'Follow a game\'s events live (JSON lines with --output json); ends when the game finishes'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand game; and __fish_seen_subcommand_from help" -f -a "show" -d 'Show one game'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand game; and __fish_seen_subcommand_from help" -f -a "bet" -d 'Place a craps bet: `--player alice --on pass --amount 10`'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand game; and __fish_seen_subcommand_from help" -f -a "roll" -d 'Roll the dice (the shooter)'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand game; and __fish_seen_subcommand_from help" -f -a "act" -d 'Any action: `act ID --player P hit`, `act ID --player P raise 40`, `act ID --player P seed MY-CLIENT-SEED`'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand game; and __fish_seen_subcommand_from help" -f -a "verify" -d 'Check a finished game: the seed against the commitment, every roll and shuffle recomputed, and the anchors against the validators'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand game; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand consensus; and not __fish_seen_subcommand_from propose status blocks evidence validators vote verify help" -s c -l config -d 'Configuration file (default: ./bitcraps.toml when present)' -r -F
complete -c bitcraps -n "__fish_bitcraps_using_subcommand consensus; and not __fish_seen_subcommand_from propose status blocks evidence validators vote verify help" -l set -d 'Override one configuration key, e.g. --set gateway.request_timeout=5s' -r
complete -c bitcraps -n "__fish_bitcraps_using_subcommand consensus; and not __fish_seen_subcommand_from propose status blocks evidence validators vote verify help" -l state-dir -d 'State dir: pids, logs, data, keys, secrets and the control socket' -r -F
complete -c bitcraps -n "__fish_bitcraps_using_subcommand consensus; and not __fish_seen_subcommand_from propose status blocks evidence validators vote verify help" -s o -l output -d 'Output format of queries' -r -f -a "table\t'Aligned columns for people'
json\t'JSON for scripts (JSON lines when streaming)'"
complete -c bitcraps -n "__fish_bitcraps_using_subcommand consensus; and not __fish_seen_subcommand_from propose status blocks evidence validators vote verify help" -l color -d 'Color: auto (terminal and no NO_COLOR), always, never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c bitcraps -n "__fish_bitcraps_using_subcommand consensus; and not __fish_seen_subcommand_from propose status blocks evidence validators vote verify help" -s q -l quiet -d 'Print only what scripts need (errors still go to stderr)'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand consensus; and not __fish_seen_subcommand_from propose status blocks evidence validators vote verify help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand consensus; and not __fish_seen_subcommand_from propose status blocks evidence validators vote verify help" -s V -l version -d 'Print version'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand consensus; and not __fish_seen_subcommand_from propose status blocks evidence validators vote verify help" -f -a "propose" -d 'Order a JSON payload through the validators'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand consensus; and not __fish_seen_subcommand_from propose status blocks evidence validators vote verify help" -f -a "status" -d 'Height, view, leader and each validator\'s last vote'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand consensus; and not __fish_seen_subcommand_from propose status blocks evidence validators vote verify help" -f -a "blocks" -d 'Committed blocks with their certificates (JSON lines with --output json)'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand consensus; and not __fish_seen_subcommand_from propose status blocks evidence validators vote verify help" -f -a "evidence" -d 'Byzantine evidence the validators recorded'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand consensus; and not __fish_seen_subcommand_from propose status blocks evidence validators vote verify help" -f -a "validators" -d 'The validator set: list, add, remove, set-power (admin)'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand consensus; and not __fish_seen_subcommand_from propose status blocks evidence validators vote verify help" -f -a "vote" -d 'Sign a vote with a validator key file and submit it (POST /vote)'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand consensus; and not __fish_seen_subcommand_from propose status blocks evidence validators vote verify help" -f -a "verify" -d 'Check a block\'s quorum certificate, trusting only the genesis: every validator set change on the way is checked against the set before it'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand consensus; and not __fish_seen_subcommand_from propose status blocks evidence validators vote verify help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand consensus; and __fish_seen_subcommand_from propose" -l gateway -d 'Gateway base URL (default: the configured gateway on 127.0.0.1)' -r
complete -c bitcraps -n "__fish_bitcraps_using_subcommand consensus; and __fish_seen_subcommand_from propose" -l token -d 'Bearer token (default: an admin token signed with the issuer key)' -r
complete -c bitcraps -n "__fish_bitcraps_using_subcommand consensus; and __fish_seen_subcommand_from propose" -s c -l config -d 'Configuration file (default: ./bitcraps.toml when present)' -r -F
complete -c bitcraps -n "__fish_bitcraps_using_subcommand consensus; and __fish_seen_subcommand_from propose" -l set -d 'Override one configuration key, e.g. --set gateway.request_timeout=5s' -r
complete -c bitcraps -n "__fish_bitcraps_using_subcommand consensus; and __fish_seen_subcommand_from propose" -l state-dir -d 'State dir: pids, logs, data, keys, secrets and the control socket' -r -F
complete -c bitcraps -n "__fish_bitcraps_using_subcommand consensus; and __fish_seen_subcommand_from propose" -s o -l output -d 'Output format of queries' -r -f -a "table\t'Aligned columns for people'
json\t'JSON for scripts (JSON lines when streaming)'"
complete -c bitcraps -n "__fish_bitcraps_using_subcommand consensus; and __fish_seen_subcommand_from propose" -l color -d 'Color: auto (terminal and no NO_COLOR), always, never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c bitcraps -n "__fish_bitcraps_using_subcommand consensus; and __fish_seen_subcommand_from propose" -l wait -d 'Wait until it is committed and print the height, hash and QC'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand consensus; and __fish_seen_subcommand_from propose" -s q -l quiet -d 'Print only what scripts need (errors still go to stderr)'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand consensus; and __fish_seen_subcommand_from propose" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand consensus; and __fish_seen_subcommand_from propose" -s V -l version -d 'Print version'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand consensus; and __fish_seen_subcommand_from status" -l gateway -d 'Gateway base URL (default: the configured gateway on 127.0.0.1)' -r
complete -c bitcraps -n "__fish_bitcraps_using_subcommand consensus; and __fish_seen_subcommand_from status" -l token -d 'Bearer token (default: an admin token signed with the issuer key)' -r
complete -c bitcraps -n "__fish_bitcraps_using_subcommand consensus; and __fish_seen_subcommand_from status" -s c -l config -d 'Configuration file (default: ./bitcraps.toml when present)' -r -F
complete -c bitcraps -n "__fish_bitcraps_using_subcommand consensus; and __fish_seen_subcommand_from status" -l set -d 'Override one configuration key, e.g. --set gateway.request_timeout=5s' -r
complete -c bitcraps -n "__fish_bitcraps_using_subcommand consensus; and __fish_seen_subcommand_from status" -l state-dir -d 'State dir: pids, logs, data, keys, secrets and the control socket' -r -F
complete -c bitcraps -n "__fish_bitcraps_using_subcommand consensus; and __fish_seen_subcommand_from status" -s o -l output -d 'Output format of queries' -r -f -a "table\t'Aligned columns for people'
json\t'JSON for scripts (JSON lines when streaming)'"
complete -c bitcraps -n "__fish_bitcraps_using_subcommand consensus; and __fish_seen_subcommand_from status" -l color -d 'Color: auto (terminal and no NO_COLOR), always, never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c bitcraps -n "__fish_bitcraps_using_subcommand consensus; and __fish_seen_subcommand_from status" -s q -l quiet -d 'Print only what scripts need (errors still go to stderr)'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand consensus; and __fish_seen_subcommand_from status" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand consensus; and __fish_seen_subcommand_from status" -s V -l version -d 'Print version'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand consensus; and __fish_seen_subcommand_from blocks" -l from -d 'First height (default: the last 10)' -r
complete -c bitcraps -n "__fish_bitcraps_using_subcommand consensus; and __fish_seen_subcommand_from blocks" -l limit -d 'Most blocks to print' -r
complete -c bitcraps -n "__fish_bitcraps_using_subcommand consensus; and __fish_seen_subcommand_from blocks" -l gateway -d 'Gateway base URL (default: the configured gateway on 127.0.0.1)' -r
complete -c bitcraps -n "__fish_bitcraps_using_subcommand consensus; and __fish_seen_subcommand_from blocks" -l token -d 'Bearer token (default: an admin token signed with the issuer key)' -r
complete -c bitcraps -n "__fish_bitcraps_using_subcommand consensus; and __fish_seen_subcommand_from blocks" -s c -l config -d 'Configuration file (default: ./bitcraps.toml when present)' -r -F
complete -c bitcraps -n "__fish_bitcraps_using_subcommand consensus; and __fish_seen_subcommand_from blocks" -l set -d 'Override one configuration key, e.g. --set gateway.request_timeout=5s' -r
complete -c bitcraps -n "__fish_bitcraps_using_subcommand consensus; and __fish_seen_subcommand_from blocks" -l state-dir -d 'State dir: pids, logs, data, keys, secrets and the control socket' -r -F
complete -c bitcraps -n "__fish_bitcraps_using_subcommand consensus; and __fish_seen_subcommand_from blocks" -s o -l output -d 'Output format of queries' -r -f -a "table\t'Aligned columns for people'
json\t'JSON for scripts (JSON lines when streaming)'"
complete -c bitcraps -n "__fish_bitcraps_using_subcommand consensus; and __fish_seen_subcommand_from blocks" -l color -d 'Color: auto (terminal and no NO_COLOR), always, never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c bitcraps -n "__fish_bitcraps_using_subcommand consensus; and __fish_seen_subcommand_from blocks" -s q -l quiet -d 'Print only what scripts need (errors still go to stderr)'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand consensus; and __fish_seen_subcommand_from blocks" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand consensus; and __fish_seen_subcommand_from blocks" -s V -l version -d 'Print version'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand consensus; and __fish_seen_subcommand_from evidence" -l gateway -d 'Gateway base URL (default: the configured gateway on 127.0.0.1)' -r
complete -c bitcraps -n "__fish_bitcraps_using_subcommand consensus; and __fish_seen_subcommand_from evidence" -l token -d 'Bearer token (default: an admin token signed with the issuer key)' -r
complete -c bitcraps -n "__fish_bitcraps_using_subcommand consensus; and __fish_seen_subcommand_from evidence" -s c -l config -d 'Configuration file (default: ./bitcraps.toml when present)' -r -F
complete -c bitcraps -n "__fish_bitcraps_using_subcommand consensus; and __fish_seen_subcommand_from evidence" -l set -d 'Override one configuration key, e.g. --set gateway.request_timeout=5s' -r
complete -c bitcraps -n "__fish_bitcraps_using_subcommand consensus; and __fish_seen_subcommand_from evidence" -l state-dir -d 'State dir: pids, logs, data, keys, secrets and the control socket' -r -F
complete -c bitcraps -n "__fish_bitcraps_using_subcommand consensus; and __fish_seen_subcommand_from evidence" -s o -l output -d 'Output format of queries' -r -f -a "table\t'Aligned columns for people'
json\t'JSON for scripts (JSON lines when streaming)'"
complete -c bitcraps -n "__fish_bitcraps_using_subcommand consensus; and __fish_seen_subcommand_from evidence" -l color -d 'Color: auto (terminal and no NO_COLOR), always, never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c bitcraps -n "__fish_bitcraps_using_subcommand consensus; and __fish_seen_subcommand_from evidence" -s q -l quiet -d 'Print only what scripts need (errors still go to stderr)'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand consensus; and __fish_seen_subcommand_from evidence" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand consensus; and __fish_seen_subcommand_from evidence" -s V -l version -d 'Print version'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand consensus; and __fish_seen_subcommand_from validators" -s c -l config -d 'Configuration file (default: ./bitcraps.toml when present)' -r -F
complete -c bitcraps -n "__fish_bitcraps_using_subcommand consensus; and __fish_seen_subcommand_from validators" -l set -d 'Override one configuration key, e.g. --set gateway.request_timeout=5s' -r
complete -c bitcraps -n "__fish_bitcraps_using_subcommand consensus; and __fish_seen_subcommand_from validators" -l state-dir -d 'State dir: pids, logs, data, keys, secrets and the control socket' -r -F
complete -c bitcraps -n "__fish_bitcraps_using_subcommand consensus; and __fish_seen_subcommand_from validators" -s o -l output -d 'Output format of queries' -r -f -a "table\t'Aligned columns for people'
json\t'JSON for scripts (JSON lines when streaming)'"
complete -c bitcraps -n "__fish_bitcraps_using_subcommand consensus; and __fish_seen_subcommand_from validators" -l color -d 'Color: auto (terminal and no NO_COLOR), always, never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c bitcraps -n "__fish_bitcraps_using_subcommand consensus; and __fish_seen_subcommand_from validators" -s q -l quiet -d 'Print only what scripts need (errors still go to stderr)'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand consensus; and __fish_seen_subcommand_from validators" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand consensus; and __fish_seen_subcommand_from validators" -s V -l version -d 'Print version'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand consensus; and __fish_seen_subcommand_from validators" -f -a "list" -d 'The current set: epoch, members, power, address, and past changes'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand consensus; and __fish_seen_subcommand_from validators" -f -a "add" -d 'Add a validator (effective at the height after its block)'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand consensus; and __fish_seen_subcommand_from validators" -f -a "remove" -d 'Remove a validator (the current leader too)'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand consensus; and __fish_seen_subcommand_from validators" -f -a "set-power" -d 'Change a validator\'s voting power'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand consensus; and __fish_seen_subcommand_from validators" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand consensus; and __fish_seen_subcommand_from vote" -l key -d 'The validator\'s secret key file (hex), e.g. <state>/keys/validator-0.key' -r -F
complete -c bitcraps -n "__fish_bitcraps_using_subcommand consensus; and __fish_seen_subcommand_from vote" -l height -r
complete -c bitcraps -n "__fish_bitcraps_using_subcommand consensus; and __fish_seen_subcommand_from vote" -l view -d 'View (PBFT, HotStuff) or round (Tendermint)' -r
complete -c bitcraps -n "__fish_bitcraps_using_subcommand consensus; and __fish_seen_subcommand_from vote" -l phase -d 'prepare, commit, view_change, prevote, precommit, generic, timeout' -r
complete -c bitcraps -n "__fish_bitcraps_using_subcommand consensus; and __fish_seen_subcommand_from vote" -l block-hash -d 'Hex of the 32-byte block hash (64 zeros for nil)' -r
complete -c bitcraps -n "__fish_bitcraps_using_subcommand consensus; and __fish_seen_subcommand_from vote" -l gateway -d 'Gateway base URL (default: the configured gateway on 127.0.0.1)' -r
complete -c bitcraps -n "__fish_bitcraps_using_subcommand consensus; and __fish_seen_subcommand_from vote" -l token -d 'Bearer token (default: an admin token signed with the issuer key)' -r
complete -c bitcraps -n "__fish_bitcraps_using_subcommand consensus; and __fish_seen_subcommand_from vote" -s c -l config -d 'Configuration file (default: ./bitcraps.toml when present)' -r -F
complete -c bitcraps -n "__fish_bitcraps_using_subcommand consensus; and __fish_seen_subcommand_from vote" -l set -d 'Override one configuration key, e.g. --set gateway.request_timeout=5s' -r
complete -c bitcraps -n "__fish_bitcraps_using_subcommand consensus; and __fish_seen_subcommand_from vote" -l state-dir -d 'State dir: pids, logs, data, keys, secrets and the control socket' -r -F
complete -c bitcraps -n "__fish_bitcraps_using_subcommand consensus; and __fish_seen_subcommand_from vote" -s o -l output -d 'Output format of queries' -r -f -a "table\t'Aligned columns for people'
json\t'JSON for scripts (JSON lines when streaming)'"
complete -c bitcraps -n "__fish_bitcraps_using_subcommand consensus; and __fish_seen_subcommand_from vote" -l color -d 'Color: auto (terminal and no NO_COLOR), always, never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c bitcraps -n "__fish_bitcraps_using_subcommand consensus; and __fish_seen_subcommand_from vote" -s q -l quiet -d 'Print only what scripts need (errors still go to stderr)'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand consensus; and __fish_seen_subcommand_from vote" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand consensus; and __fish_seen_subcommand_from vote" -s V -l version -d 'Print version'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand consensus; and __fish_seen_subcommand_from verify" -l height -r
complete -c bitcraps -n "__fish_bitcraps_using_subcommand consensus; and __fish_seen_subcommand_from verify" -l genesis -d 'The genesis to trust (default: the state dir\'s genesis.json)' -r -F
complete -c bitcraps -n "__fish_bitcraps_using_subcommand consensus; and __fish_seen_subcommand_from verify" -l gateway -d 'Gateway base URL (default: the configured gateway on 127.0.0.1)' -r
complete -c bitcraps -n "__fish_bitcraps_using_subcommand consensus; and __fish_seen_subcommand_from verify" -l token -d 'Bearer token (default: an admin token signed with the issuer key)' -r
complete -c bitcraps -n "__fish_bitcraps_using_subcommand consensus; and __fish_seen_subcommand_from verify" -s c -l config -d 'Configuration file (default: ./bitcraps.toml when present)' -r -F
complete -c bitcraps -n "__fish_bitcraps_using_subcommand consensus; and __fish_seen_subcommand_from verify" -l set -d 'Override one configuration key, e.g. --set gateway.request_timeout=5s' -r
complete -c bitcraps -n "__fish_bitcraps_using_subcommand consensus; and __fish_seen_subcommand_from verify" -l state-dir -d 'State dir: pids, logs, data, keys, secrets and the control socket' -r -F
complete -c bitcraps -n "__fish_bitcraps_using_subcommand consensus; and __fish_seen_subcommand_from verify" -s o -l output -d 'Output format of queries' -r -f -a "table\t'Aligned columns for people'
json\t'JSON for scripts (JSON lines when streaming)'"
complete -c bitcraps -n "__fish_bitcraps_using_subcommand consensus; and __fish_seen_subcommand_from verify" -l color -d 'Color: auto (terminal and no NO_COLOR), always, never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c bitcraps -n "__fish_bitcraps_using_subcommand consensus; and __fish_seen_subcommand_from verify" -s q -l quiet -d 'Print only what scripts need (errors still go to stderr)'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand consensus; and __fish_seen_subcommand_from verify" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand consensus; and __fish_seen_subcommand_from verify" -s V -l version -d 'Print version'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand consensus; and __fish_seen_subcommand_from help" -f -a "propose" -d 'Order a JSON payload through the validators'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand consensus; and __fish_seen_subcommand_from help" -f -a "status" -d 'Height, view, leader and each validator\'s last vote'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand consensus; and __fish_seen_subcommand_from help" -f -a "blocks" -d 'Committed blocks with their certificates (JSON lines with --output json)'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand consensus; and __fish_seen_subcommand_from help" -f -a "evidence" -d 'Byzantine evidence the validators recorded'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand consensus; and __fish_seen_subcommand_from help" -f -a "validators" -d 'The validator set: list, add, remove, set-power (admin)'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand consensus; and __fish_seen_subcommand_from help" -f -a "vote" -d 'Sign a vote with a validator key file and submit it (POST /vote)'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand consensus; and __fish_seen_subcommand_from help" -f -a "verify" -d 'Check a block\'s quorum certificate, trusting only the genesis: every validator set change on the way is checked against the set before it'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand consensus; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand wallet; and not __fish_seen_subcommand_from deposit withdraw transfer balance history audit help" -s c -l config -d 'Configuration file (default: ./bitcraps.toml when present)' -r -F
complete -c bitcraps -n "__fish_bitcraps_using_subcommand wallet; and not __fish_seen_subcommand_from deposit withdraw transfer balance history audit help" -l set -d 'Override one configuration key, e.g. --set gateway.request_timeout=5s' -r
complete -c bitcraps -n "__fish_bitcraps_using_subcommand wallet; and not __fish_seen_subcommand_from deposit withdraw transfer balance history audit help" -l state-dir -d 'State dir: pids, logs, data, keys, secrets and the control socket' -r -F
complete -c bitcraps -n "__fish_bitcraps_using_subcommand wallet; and not __fish_seen_subcommand_from deposit withdraw transfer balance history audit help" -s o -l output -d 'Output format of queries' -r -f -a "table\t'Aligned columns for people'
json\t'JSON for scripts (JSON lines when streaming)'"
complete -c bitcraps -n "__fish_bitcraps_using_subcommand wallet; and not __fish_seen_subcommand_from deposit withdraw transfer balance history audit help" -l color -d 'Color: auto (terminal and no NO_COLOR), always, never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c bitcraps -n "__fish_bitcraps_using_subcommand wallet; and not __fish_seen_subcommand_from deposit withdraw transfer balance history audit help" -s q -l quiet -d 'Print only what scripts need (errors still go to stderr)'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand wallet; and not __fish_seen_subcommand_from deposit withdraw transfer balance history audit help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand wallet; and not __fish_seen_subcommand_from deposit withdraw transfer balance history audit help" -s V -l version -d 'Print version'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand wallet; and not __fish_seen_subcommand_from deposit withdraw transfer balance history audit help" -f -a "deposit" -d 'Deposit chips: issuance → ACCOUNT (cashier or admin). Opens a player\'s account on its first deposit'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand wallet; and not __fish_seen_subcommand_from deposit withdraw transfer balance history audit help" -f -a "withdraw" -d 'Withdraw chips: ACCOUNT → issuance (cashier or admin)'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand wallet; and not __fish_seen_subcommand_from deposit withdraw transfer balance history audit help" -f -a "transfer" -d 'Move chips from one account to another (players move only their own chips, to another player)'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand wallet; and not __fish_seen_subcommand_from deposit withdraw transfer balance history audit help" -f -a "balance" -d 'An account\'s balance (default: your own player:<sub>; for cashiers and admins, every account)'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand wallet; and not __fish_seen_subcommand_from deposit withdraw transfer balance history audit help" -f -a "history" -d 'An account\'s transfers, oldest first (default: your own account; for cashiers and admins, the whole log)'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand wallet; and not __fish_seen_subcommand_from deposit withdraw transfer balance history audit help" -f -a "audit" -d 'Export the whole log and every account, recompute the hash chain and every balance here, compare with the wallet\'s own audit and summary (cashier or admin), and check every `wallet.anchor` in the validators\' blocks (through the gateway) against the log. Exit 6 on any mismatch'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand wallet; and not __fish_seen_subcommand_from deposit withdraw transfer balance history audit help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand wallet; and __fish_seen_subcommand_from deposit" -l id -d 'The transfer\'s id (default: a fresh one, printed). Running the same command again with the same --id applies it at most once' -r
complete -c bitcraps -n "__fish_bitcraps_using_subcommand wallet; and __fish_seen_subcommand_from deposit" -l memo -d 'A note stored with the transfer (at most 256 bytes)' -r
complete -c bitcraps -n "__fish_bitcraps_using_subcommand wallet; and __fish_seen_subcommand_from deposit" -l gateway -d 'Gateway base URL (default: the configured gateway on 127.0.0.1)' -r
complete -c bitcraps -n "__fish_bitcraps_using_subcommand wallet; and __fish_seen_subcommand_from deposit" -l token -d 'Bearer token (default: an admin token signed with the issuer key)' -r
complete -c bitcraps -n "__fish_bitcraps_using_subcommand wallet; and __fish_seen_subcommand_from deposit" -l wallet-url -d 'Talk to a wallet directly at this base URL (e.g. http://127.0.0.1:8090) instead of through the gateway' -r
complete -c bitcraps -n "__fish_bitcraps_using_subcommand wallet; and __fish_seen_subcommand_from deposit" -s c -l config -d 'Configuration file (default: ./bitcraps.toml when present)' -r -F
complete -c bitcraps -n "__fish_bitcraps_using_subcommand wallet; and __fish_seen_subcommand_from deposit" -l set -d 'Override one configuration key, e.g. --set gateway.request_timeout=5s' -r
complete -c bitcraps -n "__fish_bitcraps_using_subcommand wallet; and __fish_seen_subcommand_from deposit" -l state-dir -d 'State dir: pids, logs, data, keys, secrets and the control socket' -r -F
complete -c bitcraps -n "__fish_bitcraps_using_subcommand wallet; and __fish_seen_subcommand_from deposit" -s o -l output -d 'Output format of queries' -r -f -a "table\t'Aligned columns for people'
json\t'JSON for scripts (JSON lines when streaming)'"
complete -c bitcraps -n "__fish_bitcraps_using_subcommand wallet; and __fish_seen_subcommand_from deposit" -l color -d 'Color: auto (terminal and no NO_COLOR), always, never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c bitcraps -n "__fish_bitcraps_using_subcommand wallet; and __fish_seen_subcommand_from deposit" -s q -l quiet -d 'Print only what scripts need (errors still go to stderr)'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand wallet; and __fish_seen_subcommand_from deposit" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand wallet; and __fish_seen_subcommand_from deposit" -s V -l version -d 'Print version'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand wallet; and __fish_seen_subcommand_from withdraw" -l id -d 'The transfer\'s id (default: a fresh one, printed). Running the same command again with the same --id applies it at most once' -r
complete -c bitcraps -n "__fish_bitcraps_using_subcommand wallet; and __fish_seen_subcommand_from withdraw" -l memo -d 'A note stored with the transfer (at most 256 bytes)' -r
complete -c bitcraps -n "__fish_bitcraps_using_subcommand wallet; and __fish_seen_subcommand_from withdraw" -l gateway -d 'Gateway base URL (default: the configured gateway on 127.0.0.1)' -r
complete -c bitcraps -n "__fish_bitcraps_using_subcommand wallet; and __fish_seen_subcommand_from withdraw" -l token -d 'Bearer token (default: an admin token signed with the issuer key)' -r
complete -c bitcraps -n "__fish_bitcraps_using_subcommand wallet; and __fish_seen_subcommand_from withdraw" -l wallet-url -d 'Talk to a wallet directly at this base URL (e.g. http://127.0.0.1:8090) instead of through the gateway' -r
complete -c bitcraps -n "__fish_bitcraps_using_subcommand wallet; and __fish_seen_subcommand_from withdraw" -s c -l config -d 'Configuration file (default: ./bitcraps.toml when present)' -r -F
complete -c bitcraps -n "__fish_bitcraps_using_subcommand wallet; and __fish_seen_subcommand_from withdraw" -l set -d 'Override one configuration key, e.g. --set gateway.request_timeout=5s' -r
complete -c bitcraps -n "__fish_bitcraps_using_subcommand wallet; and __fish_seen_subcommand_from withdraw" -l state-dir -d 'State dir: pids, logs, data, keys, secrets and the control socket' -r -F
complete -c bitcraps -n "__fish_bitcraps_using_subcommand wallet; and __fish_seen_subcommand_from withdraw" -s o -l output -d 'Output format of queries' -r -f -a "table\t'Aligned columns for people'
json\t'JSON for scripts (JSON lines when streaming)'"
complete -c bitcraps -n "__fish_bitcraps_using_subcommand wallet; and __fish_seen_subcommand_from withdraw" -l color -d 'Color: auto (terminal and no NO_COLOR), always, never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c bitcraps -n "__fish_bitcraps_using_subcommand wallet; and __fish_seen_subcommand_from withdraw" -s q -l quiet -d 'Print only what scripts need (errors still go to stderr)'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand wallet; and __fish_seen_subcommand_from withdraw" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand wallet; and __fish_seen_subcommand_from withdraw" -s V -l version -d 'Print version'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand wallet; and __fish_seen_subcommand_from transfer" -l id -d 'The transfer\'s id (default: a fresh one, printed). Running the same command again with the same --id applies it at most once' -r
complete -c bitcraps -n "__fish_bitcraps_using_subcommand wallet; and __fish_seen_subcommand_from transfer" -l memo -d 'A note stored with the transfer (at most 256 bytes)' -r
complete -c bitcraps -n "__fish_bitcraps_using_subcommand wallet; and __fish_seen_subcommand_from transfer" -l gateway -d 'Gateway base URL (default: the configured gateway on 127.0.0.1)' -r
complete -c bitcraps -n "__fish_bitcraps_using_subcommand wallet; and __fish_seen_subcommand_from transfer" -l token -d 'Bearer token (default: an admin token signed with the issuer key)' -r
complete -c bitcraps -n "__fish_bitcraps_using_subcommand wallet; and __fish_seen_subcommand_from transfer" -l wallet-url -d 'Talk to a wallet directly at this base URL (e.g. http://127.0.0.1:8090) instead of through the gateway' -r
complete -c bitcraps -n "__fish_bitcraps_using_subcommand wallet; and __fish_seen_subcommand_from transfer" -s c -l config -d 'Configuration file (default: ./bitcraps.toml when present)' -r -F
complete -c bitcraps -n "__fish_bitcraps_using_subcommand wallet; and __fish_seen_subcommand_from transfer" -l set -d 'Override one configuration key, e.g. --set gateway.request_timeout=5s' -r
complete -c bitcraps -n "__fish_bitcraps_using_subcommand wallet; and __fish_seen_subcommand_from transfer" -l state-dir -d 'State dir: pids, logs, data, keys, secrets and the control socket' -r -F
complete -c bitcraps -n "__fish_bitcraps_using_subcommand wallet; and __fish_seen_subcommand_from transfer" -s o -l output -d 'Output format of queries' -r -f -a "table\t'Aligned columns for people'
json\t'JSON for scripts (JSON lines when streaming)'"
complete -c bitcraps -n "__fish_bitcraps_using_subcommand wallet; and __fish_seen_subcommand_from transfer" -l color -d 'Color: auto (terminal and no NO_COLOR), always, never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c bitcraps -n "__fish_bitcraps_using_subcommand wallet; and __fish_seen_subcommand_from transfer" -s q -l quiet -d 'Print only what scripts need (errors still go to stderr)'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand wallet; and __fish_seen_subcommand_from transfer" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand wallet; and __fish_seen_subcommand_from transfer" -s V -l version -d 'Print version'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand wallet; and __fish_seen_subcommand_from balance" -l after -d 'When listing: only accounts whose id sorts after this one' -r
complete -c bitcraps -n "__fish_bitcraps_using_subcommand wallet; and __fish_seen_subcommand_from balance" -l limit -d 'When listing: at most N accounts (default: all)' -r
complete -c bitcraps -n "__fish_bitcraps_using_subcommand wallet; and __fish_seen_subcommand_from balance" -l gateway -d 'Gateway base URL (default: the configured gateway on 127.0.0.1)' -r
complete -c bitcraps -n "__fish_bitcraps_using_subcommand wallet; and __fish_seen_subcommand_from balance" -l token -d 'Bearer token (default: an admin token signed with the issuer key)' -r
complete -c bitcraps -n "__fish_bitcraps_using_subcommand wallet; and __fish_seen_subcommand_from balance" -l wallet-url -d 'Talk to a wallet directly at this base URL (e.g. http://127.0.0.1:8090) instead of through the gateway' -r
complete -c bitcraps -n "__fish_bitcraps_using_subcommand wallet; and __fish_seen_subcommand_from balance" -s c -l config -d 'Configuration file (default: ./bitcraps.toml when present)' -r -F
complete -c bitcraps -n "__fish_bitcraps_using_subcommand wallet; and __fish_seen_subcommand_from balance" -l set -d 'Override one configuration key, e.g. --set gateway.request_timeout=5s' -r
complete -c bitcraps -n "__fish_bitcraps_using_subcommand wallet; and __fish_seen_subcommand_from balance" -l state-dir -d 'State dir: pids, logs, data, keys, secrets and the control socket' -r -F
complete -c bitcraps -n "__fish_bitcraps_using_subcommand wallet; and __fish_seen_subcommand_from balance" -s o -l output -d 'Output format of queries' -r -f -a "table\t'Aligned columns for people'
json\t'JSON for scripts (JSON lines when streaming)'"
complete -c bitcraps -n "__fish_bitcraps_using_subcommand wallet; and __fish_seen_subcommand_from balance" -l color -d 'Color: auto (terminal and no NO_COLOR), always, never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c bitcraps -n "__fish_bitcraps_using_subcommand wallet; and __fish_seen_subcommand_from balance" -s q -l quiet -d 'Print only what scripts need (errors still go to stderr)'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand wallet; and __fish_seen_subcommand_from balance" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand wallet; and __fish_seen_subcommand_from balance" -s V -l version -d 'Print version'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand wallet; and __fish_seen_subcommand_from history" -l after -d 'Only transfers after this sequence number' -r
complete -c bitcraps -n "__fish_bitcraps_using_subcommand wallet; and __fish_seen_subcommand_from history" -l limit -d 'At most N transfers (default: all)' -r
complete -c bitcraps -n "__fish_bitcraps_using_subcommand wallet; and __fish_seen_subcommand_from history" -l gateway -d 'Gateway base URL (default: the configured gateway on 127.0.0.1)' -r
complete -c bitcraps -n "__fish_bitcraps_using_subcommand wallet; and __fish_seen_subcommand_from history" -l token -d 'Bearer token (default: an admin token signed with the issuer key)' -r
complete -c bitcraps -n "__fish_bitcraps_using_subcommand wallet; and __fish_seen_subcommand_from history" -l wallet-url -d 'Talk to a wallet directly at this base URL (e.g. http://127.0.0.1:8090) instead of through the gateway' -r
complete -c bitcraps -n "__fish_bitcraps_using_subcommand wallet; and __fish_seen_subcommand_from history" -s c -l config -d 'Configuration file (default: ./bitcraps.toml when present)' -r -F
complete -c bitcraps -n "__fish_bitcraps_using_subcommand wallet; and __fish_seen_subcommand_from history" -l set -d 'Override one configuration key, e.g. --set gateway.request_timeout=5s' -r
complete -c bitcraps -n "__fish_bitcraps_using_subcommand wallet; and __fish_seen_subcommand_from history" -l state-dir -d 'State dir: pids, logs, data, keys, secrets and the control socket' -r -F
complete -c bitcraps -n "__fish_bitcraps_using_subcommand wallet; and __fish_seen_subcommand_from history" -s o -l output -d 'Output format of queries' -r -f -a "table\t'Aligned columns for people'
json\t'JSON for scripts (JSON lines when streaming)'"
complete -c bitcraps -n "__fish_bitcraps_using_subcommand wallet; and __fish_seen_subcommand_from history" -l color -d 'Color: auto (terminal and no NO_COLOR), always, never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c bitcraps -n "__fish_bitcraps_using_subcommand wallet; and __fish_seen_subcommand_from history" -s q -l quiet -d 'Print only what scripts need (errors still go to stderr)'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand wallet; and __fish_seen_subcommand_from history" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand wallet; and __fish_seen_subcommand_from history" -s V -l version -d 'Print version'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand wallet; and __fish_seen_subcommand_from audit" -l export -d 'Also write the log to FILE as JSON lines, one transfer a line' -r -F
complete -c bitcraps -n "__fish_bitcraps_using_subcommand wallet; and __fish_seen_subcommand_from audit" -l gateway -d 'Gateway base URL (default: the configured gateway on 127.0.0.1)' -r
complete -c bitcraps -n "__fish_bitcraps_using_subcommand wallet; and __fish_seen_subcommand_from audit" -l token -d 'Bearer token (default: an admin token signed with the issuer key)' -r
complete -c bitcraps -n "__fish_bitcraps_using_subcommand wallet; and __fish_seen_subcommand_from audit" -l wallet-url -d 'Talk to a wallet directly at this base URL (e.g. http://127.0.0.1:8090) instead of through the gateway' -r
complete -c bitcraps -n "__fish_bitcraps_using_subcommand wallet; and __fish_seen_subcommand_from audit" -s c -l config -d 'Configuration file (default: ./bitcraps.toml when present)' -r -F
complete -c bitcraps -n "__fish_bitcraps_using_subcommand wallet; and __fish_seen_subcommand_from audit" -l set -d 'Override one configuration key, e.g. --set gateway.request_timeout=5s' -r
complete -c bitcraps -n "__fish_bitcraps_using_subcommand wallet; and __fish_seen_subcommand_from audit" -l state-dir -d 'State dir: pids, logs, data, keys, secrets and the control socket' -r -F
complete -c bitcraps -n "__fish_bitcraps_using_subcommand wallet; and __fish_seen_subcommand_from audit" -s o -l output -d 'Output format of queries' -r -f -a "table\t'Aligned columns for people'
json\t'JSON for scripts (JSON lines when streaming)'"
complete -c bitcraps -n "__fish_bitcraps_using_subcommand wallet; and __fish_seen_subcommand_from audit" -l color -d 'Color: auto (terminal and no NO_COLOR), always, never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c bitcraps -n "__fish_bitcraps_using_subcommand wallet; and __fish_seen_subcommand_from audit" -s q -l quiet -d 'Print only what scripts need (errors still go to stderr)'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand wallet; and __fish_seen_subcommand_from audit" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand wallet; and __fish_seen_subcommand_from audit" -s V -l version -d 'Print version'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand wallet; and __fish_seen_subcommand_from help" -f -a "deposit" -d 'Deposit chips: issuance → ACCOUNT (cashier or admin). Opens a player\'s account on its first deposit'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand wallet; and __fish_seen_subcommand_from help" -f -a "withdraw" -d 'Withdraw chips: ACCOUNT → issuance (cashier or admin)'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand wallet; and __fish_seen_subcommand_from help" -f -a "transfer" -d 'Move chips from one account to another (players move only their own chips, to another player)'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand wallet; and __fish_seen_subcommand_from help" -f -a "balance" -d 'An account\'s balance (default: your own player:<sub>; for cashiers and admins, every account)'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand wallet; and __fish_seen_subcommand_from help" -f -a "history" -d 'An account\'s transfers, oldest first (default: your own account; for cashiers and admins, the whole log)'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand wallet; and __fish_seen_subcommand_from help" -f -a "audit" -d 'Export the whole log and every account, recompute the hash chain and every balance here, compare with the wallet\'s own audit and summary (cashier or admin), and check every `wallet.anchor` in the validators\' blocks (through the gateway) against the log. Exit 6 on any mismatch'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand wallet; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand keys; and not __fish_seen_subcommand_from generate help" -s c -l config -d 'Configuration file (default: ./bitcraps.toml when present)' -r -F
complete -c bitcraps -n "__fish_bitcraps_using_subcommand keys; and not __fish_seen_subcommand_from generate help" -l set -d 'Override one configuration key, e.g. --set gateway.request_timeout=5s' -r
complete -c bitcraps -n "__fish_bitcraps_using_subcommand keys; and not __fish_seen_subcommand_from generate help" -l state-dir -d 'State dir: pids, logs, data, keys, secrets and the control socket' -r -F
complete -c bitcraps -n "__fish_bitcraps_using_subcommand keys; and not __fish_seen_subcommand_from generate help" -s o -l output -d 'Output format of queries' -r -f -a "table\t'Aligned columns for people'
json\t'JSON for scripts (JSON lines when streaming)'"
complete -c bitcraps -n "__fish_bitcraps_using_subcommand keys; and not __fish_seen_subcommand_from generate help" -l color -d 'Color: auto (terminal and no NO_COLOR), always, never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c bitcraps -n "__fish_bitcraps_using_subcommand keys; and not __fish_seen_subcommand_from generate help" -s q -l quiet -d 'Print only what scripts need (errors still go to stderr)'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand keys; and not __fish_seen_subcommand_from generate help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand keys; and not __fish_seen_subcommand_from generate help" -s V -l version -d 'Print version'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand keys; and not __fish_seen_subcommand_from generate help" -f -a "generate" -d 'Generate an ed25519 validator key'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand keys; and not __fish_seen_subcommand_from generate help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand keys; and __fish_seen_subcommand_from generate" -l out -d 'Write the secret seed here (mode 0600; never overwritten) and print only the public key. Without it the secret is printed' -r -F
complete -c bitcraps -n "__fish_bitcraps_using_subcommand keys; and __fish_seen_subcommand_from generate" -s c -l config -d 'Configuration file (default: ./bitcraps.toml when present)' -r -F
complete -c bitcraps -n "__fish_bitcraps_using_subcommand keys; and __fish_seen_subcommand_from generate" -l set -d 'Override one configuration key, e.g. --set gateway.request_timeout=5s' -r
complete -c bitcraps -n "__fish_bitcraps_using_subcommand keys; and __fish_seen_subcommand_from generate" -l state-dir -d 'State dir: pids, logs, data, keys, secrets and the control socket' -r -F
complete -c bitcraps -n "__fish_bitcraps_using_subcommand keys; and __fish_seen_subcommand_from generate" -s o -l output -d 'Output format of queries' -r -f -a "table\t'Aligned columns for people'
json\t'JSON for scripts (JSON lines when streaming)'"
complete -c bitcraps -n "__fish_bitcraps_using_subcommand keys; and __fish_seen_subcommand_from generate" -l color -d 'Color: auto (terminal and no NO_COLOR), always, never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c bitcraps -n "__fish_bitcraps_using_subcommand keys; and __fish_seen_subcommand_from generate" -s q -l quiet -d 'Print only what scripts need (errors still go to stderr)'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand keys; and __fish_seen_subcommand_from generate" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand keys; and __fish_seen_subcommand_from generate" -s V -l version -d 'Print version'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand keys; and __fish_seen_subcommand_from help" -f -a "generate" -d 'Generate an ed25519 validator key'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand keys; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand bench; and not __fish_seen_subcommand_from engine consensus gateway wallet all help" -s c -l config -d 'Configuration file (default: ./bitcraps.toml when present)' -r -F
complete -c bitcraps -n "__fish_bitcraps_using_subcommand bench; and not __fish_seen_subcommand_from engine consensus gateway wallet all help" -l set -d 'Override one configuration key, e.g. --set gateway.request_timeout=5s' -r
complete -c bitcraps -n "__fish_bitcraps_using_subcommand bench; and not __fish_seen_subcommand_from engine consensus gateway wallet all help" -l state-dir -d 'State dir: pids, logs, data, keys, secrets and the control socket' -r -F
complete -c bitcraps -n "__fish_bitcraps_using_subcommand bench; and not __fish_seen_subcommand_from engine consensus gateway wallet all help" -s o -l output -d 'Output format of queries' -r -f -a "table\t'Aligned columns for people'
json\t'JSON for scripts (JSON lines when streaming)'"
complete -c bitcraps -n "__fish_bitcraps_using_subcommand bench; and not __fish_seen_subcommand_from engine consensus gateway wallet all help" -l color -d 'Color: auto (terminal and no NO_COLOR), always, never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c bitcraps -n "__fish_bitcraps_using_subcommand bench; and not __fish_seen_subcommand_from engine consensus gateway wallet all help" -s q -l quiet -d 'Print only what scripts need (errors still go to stderr)'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand bench; and not __fish_seen_subcommand_from engine consensus gateway wallet all help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand bench; and not __fish_seen_subcommand_from engine consensus gateway wallet all help" -s V -l version -d 'Print version'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand bench; and not __fish_seen_subcommand_from engine consensus gateway wallet all help" -f -a "engine" -d 'Actions per second and latency through the engine\'s HTTP API'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand bench; and not __fish_seen_subcommand_from engine consensus gateway wallet all help" -f -a "consensus" -d 'Commit latency and throughput of the validators; optionally the gap in commits when the leader is killed'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand bench; and not __fish_seen_subcommand_from engine consensus gateway wallet all help" -f -a "gateway" -d 'A request mix through the gateway (or any --target), open loop at --rate or closed loop to saturation, with pass/fail thresholds'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand bench; and not __fish_seen_subcommand_from engine consensus gateway wallet all help" -f -a "wallet" -d 'Transfers per second and latency through the wallet\'s HTTP API, closed loop or open loop at --rate'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand bench; and not __fish_seen_subcommand_from engine consensus gateway wallet all help" -f -a "all" -d 'engine, consensus and gateway one after the other, each for --duration'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand bench; and not __fish_seen_subcommand_from engine consensus gateway wallet all help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand bench; and __fish_seen_subcommand_from engine" -l addr -d 'Engine address (default: the configured first engine)' -r
complete -c bitcraps -n "__fish_bitcraps_using_subcommand bench; and __fish_seen_subcommand_from engine" -l games -d 'Games the load runs on' -r
complete -c bitcraps -n "__fish_bitcraps_using_subcommand bench; and __fish_seen_subcommand_from engine" -l hold -d 'Extra idle games to create first, to measure memory per game (the engine needs MAX_CONCURRENT_GAMES above games + hold)' -r
complete -c bitcraps -n "__fish_bitcraps_using_subcommand bench; and __fish_seen_subcommand_from engine" -l hold-idle -d 'Wait this long after creating the held games before reading the engine\'s memory again: above the engine\'s `game_engine.stored_idle`, it measures idle tables after they have left memory' -r
complete -c bitcraps -n "__fish_bitcraps_using_subcommand bench; and __fish_seen_subcommand_from engine" -l concurrency -d 'Concurrent workers (connections)' -r
complete -c bitcraps -n "__fish_bitcraps_using_subcommand bench; and __fish_seen_subcommand_from engine" -l duration -d 'How long to run the action loop' -r
complete -c bitcraps -n "__fish_bitcraps_using_subcommand bench; and __fish_seen_subcommand_from engine" -l history -d 'Instead of the load: play this many rolls (a field bet and a roll each, one after the other) on one new table and compare actions/s over its first and last tenth (at most 10,000 rolls each), to show whether an action costs more on a table with a long history' -r
complete -c bitcraps -n "__fish_bitcraps_using_subcommand bench; and __fish_seen_subcommand_from engine" -s c -l config -d 'Configuration file (default: ./bitcraps.toml when present)' -r -F
complete -c bitcraps -n "__fish_bitcraps_using_subcommand bench; and __fish_seen_subcommand_from engine" -l set -d 'Override one configuration key, e.g. --set gateway.request_timeout=5s' -r
complete -c bitcraps -n "__fish_bitcraps_using_subcommand bench; and __fish_seen_subcommand_from engine" -l state-dir -d 'State dir: pids, logs, data, keys, secrets and the control socket' -r -F
complete -c bitcraps -n "__fish_bitcraps_using_subcommand bench; and __fish_seen_subcommand_from engine" -s o -l output -d 'Output format of queries' -r -f -a "table\t'Aligned columns for people'
json\t'JSON for scripts (JSON lines when streaming)'"
complete -c bitcraps -n "__fish_bitcraps_using_subcommand bench; and __fish_seen_subcommand_from engine" -l color -d 'Color: auto (terminal and no NO_COLOR), always, never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c bitcraps -n "__fish_bitcraps_using_subcommand bench; and __fish_seen_subcommand_from engine" -s q -l quiet -d 'Print only what scripts need (errors still go to stderr)'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand bench; and __fish_seen_subcommand_from engine" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand bench; and __fish_seen_subcommand_from engine" -s V -l version -d 'Print version'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand bench; and __fish_seen_subcommand_from consensus" -l concurrency -d 'Concurrent proposers (each waits for its commit, then proposes again)' -r
complete -c bitcraps -n "__fish_bitcraps_using_subcommand bench; and __fish_seen_subcommand_from consensus" -l duration -d 'How long to run' -r
complete -c bitcraps -n "__fish_bitcraps_using_subcommand bench; and __fish_seen_subcommand_from consensus" -s c -l config -d 'Configuration file (default: ./bitcraps.toml when present)' -r -F
complete -c bitcraps -n "__fish_bitcraps_using_subcommand bench; and __fish_seen_subcommand_from consensus" -l set -d 'Override one configuration key, e.g. --set gateway.request_timeout=5s' -r
complete -c bitcraps -n "__fish_bitcraps_using_subcommand bench; and __fish_seen_subcommand_from consensus" -l state-dir -d 'State dir: pids, logs, data, keys, secrets and the control socket' -r -F
complete -c bitcraps -n "__fish_bitcraps_using_subcommand bench; and __fish_seen_subcommand_from consensus" -s o -l output -d 'Output format of queries' -r -f -a "table\t'Aligned columns for people'
json\t'JSON for scripts (JSON lines when streaming)'"
complete -c bitcraps -n "__fish_bitcraps_using_subcommand bench; and __fish_seen_subcommand_from consensus" -l color -d 'Color: auto (terminal and no NO_COLOR), always, never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c bitcraps -n "__fish_bitcraps_using_subcommand bench; and __fish_seen_subcommand_from consensus" -l kill-leader -d 'Halfway through, kill -9 the current leader (needs `bitcraps up` on this state dir) and report how long commits stopped'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand bench; and __fish_seen_subcommand_from consensus" -s q -l quiet -d 'Print only what scripts need (errors still go to stderr)'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand bench; and __fish_seen_subcommand_from consensus" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand bench; and __fish_seen_subcommand_from consensus" -s V -l version -d 'Print version'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand bench; and __fish_seen_subcommand_from gateway" -l target -d 'Base URL the games API lives under (`URL/games`); `/health` is asked of the same host. Default: the configured gateway\'s `/api/v1`. Point it at an engine (`http://127.0.0.1:8081`) or a proxy to compare' -r
complete -c bitcraps -n "__fish_bitcraps_using_subcommand bench; and __fish_seen_subcommand_from gateway" -l rate -d 'Open loop: send N requests per second on a fixed schedule whatever the answers\' pace; latency counts from each request\'s intended send time. Without it: a closed loop to saturation' -r
complete -c bitcraps -n "__fish_bitcraps_using_subcommand bench; and __fish_seen_subcommand_from gateway" -l concurrency -d 'Closed loop: workers, each sending its next request when the last is answered. Open loop: the most requests in flight (later ones wait, and their wait counts)' -r
complete -c bitcraps -n "__fish_bitcraps_using_subcommand bench; and __fish_seen_subcommand_from gateway" -l duration -d 'How long to send' -r
complete -c bitcraps -n "__fish_bitcraps_using_subcommand bench; and __fish_seen_subcommand_from gateway" -l mix -d 'Operations and their weights: health, list, create (then leave), get, bet (a field bet), roll' -r
complete -c bitcraps -n "__fish_bitcraps_using_subcommand bench; and __fish_seen_subcommand_from gateway" -l games -d 'Games (one player each) created before the run for get, bet and roll' -r
complete -c bitcraps -n "__fish_bitcraps_using_subcommand bench; and __fish_seen_subcommand_from gateway" -l max-p95 -d 'Exit 6 when the p95 latency is over this (e.g. 500ms)' -r
complete -c bitcraps -n "__fish_bitcraps_using_subcommand bench; and __fish_seen_subcommand_from gateway" -l max-error-rate -d 'Exit 6 when errors / requests is over this (0.0-1.0, e.g. 0.01)' -r
complete -c bitcraps -n "__fish_bitcraps_using_subcommand bench; and __fish_seen_subcommand_from gateway" -l token -d 'Bearer token for every request; it must be an admin\'s (players are named bench-N). Default: a player token per player, minted from the configured or dev secret' -r
complete -c bitcraps -n "__fish_bitcraps_using_subcommand bench; and __fish_seen_subcommand_from gateway" -s c -l config -d 'Configuration file (default: ./bitcraps.toml when present)' -r -F
complete -c bitcraps -n "__fish_bitcraps_using_subcommand bench; and __fish_seen_subcommand_from gateway" -l set -d 'Override one configuration key, e.g. --set gateway.request_timeout=5s' -r
complete -c bitcraps -n "__fish_bitcraps_using_subcommand bench; and __fish_seen_subcommand_from gateway" -l state-dir -d 'State dir: pids, logs, data, keys, secrets and the control socket' -r -F
complete -c bitcraps -n "__fish_bitcraps_using_subcommand bench; and __fish_seen_subcommand_from gateway" -s o -l output -d 'Output format of queries' -r -f -a "table\t'Aligned columns for people'
json\t'JSON for scripts (JSON lines when streaming)'"
complete -c bitcraps -n "__fish_bitcraps_using_subcommand bench; and __fish_seen_subcommand_from gateway" -l color -d 'Color: auto (terminal and no NO_COLOR), always, never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c bitcraps -n "__fish_bitcraps_using_subcommand bench; and __fish_seen_subcommand_from gateway" -s q -l quiet -d 'Print only what scripts need (errors still go to stderr)'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand bench; and __fish_seen_subcommand_from gateway" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand bench; and __fish_seen_subcommand_from gateway" -s V -l version -d 'Print version'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand bench; and __fish_seen_subcommand_from wallet" -l addr -d 'Wallet address (default: the configured `wallet.addr`)' -r
complete -c bitcraps -n "__fish_bitcraps_using_subcommand bench; and __fish_seen_subcommand_from wallet" -l accounts -d 'Player accounts the transfers move between' -r
complete -c bitcraps -n "__fish_bitcraps_using_subcommand bench; and __fish_seen_subcommand_from wallet" -l concurrency -d 'Concurrent workers (connections) in the closed loop; the most requests in flight in the open loop is 64 times this' -r
complete -c bitcraps -n "__fish_bitcraps_using_subcommand bench; and __fish_seen_subcommand_from wallet" -l rate -d 'Open loop: transfers per second (default: closed loop)' -r
complete -c bitcraps -n "__fish_bitcraps_using_subcommand bench; and __fish_seen_subcommand_from wallet" -l duration -r
complete -c bitcraps -n "__fish_bitcraps_using_subcommand bench; and __fish_seen_subcommand_from wallet" -s c -l config -d 'Configuration file (default: ./bitcraps.toml when present)' -r -F
complete -c bitcraps -n "__fish_bitcraps_using_subcommand bench; and __fish_seen_subcommand_from wallet" -l set -d 'Override one configuration key, e.g. --set gateway.request_timeout=5s' -r
complete -c bitcraps -n "__fish_bitcraps_using_subcommand bench; and __fish_seen_subcommand_from wallet" -l state-dir -d 'State dir: pids, logs, data, keys, secrets and the control socket' -r -F
complete -c bitcraps -n "__fish_bitcraps_using_subcommand bench; and __fish_seen_subcommand_from wallet" -s o -l output -d 'Output format of queries' -r -f -a "table\t'Aligned columns for people'
json\t'JSON for scripts (JSON lines when streaming)'"
complete -c bitcraps -n "__fish_bitcraps_using_subcommand bench; and __fish_seen_subcommand_from wallet" -l color -d 'Color: auto (terminal and no NO_COLOR), always, never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c bitcraps -n "__fish_bitcraps_using_subcommand bench; and __fish_seen_subcommand_from wallet" -s q -l quiet -d 'Print only what scripts need (errors still go to stderr)'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand bench; and __fish_seen_subcommand_from wallet" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand bench; and __fish_seen_subcommand_from wallet" -s V -l version -d 'Print version'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand bench; and __fish_seen_subcommand_from all" -l duration -d 'How long each of the three runs' -r
complete -c bitcraps -n "__fish_bitcraps_using_subcommand bench; and __fish_seen_subcommand_from all" -s c -l config -d 'Configuration file (default: ./bitcraps.toml when present)' -r -F
complete -c bitcraps -n "__fish_bitcraps_using_subcommand bench; and __fish_seen_subcommand_from all" -l set -d 'Override one configuration key, e.g. --set gateway.request_timeout=5s' -r
complete -c bitcraps -n "__fish_bitcraps_using_subcommand bench; and __fish_seen_subcommand_from all" -l state-dir -d 'State dir: pids, logs, data, keys, secrets and the control socket' -r -F
complete -c bitcraps -n "__fish_bitcraps_using_subcommand bench; and __fish_seen_subcommand_from all" -s o -l output -d 'Output format of queries' -r -f -a "table\t'Aligned columns for people'
json\t'JSON for scripts (JSON lines when streaming)'"
complete -c bitcraps -n "__fish_bitcraps_using_subcommand bench; and __fish_seen_subcommand_from all" -l color -d 'Color: auto (terminal and no NO_COLOR), always, never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c bitcraps -n "__fish_bitcraps_using_subcommand bench; and __fish_seen_subcommand_from all" -s q -l quiet -d 'Print only what scripts need (errors still go to stderr)'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand bench; and __fish_seen_subcommand_from all" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand bench; and __fish_seen_subcommand_from all" -s V -l version -d 'Print version'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand bench; and __fish_seen_subcommand_from help" -f -a "engine" -d 'Actions per second and latency through the engine\'s HTTP API'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand bench; and __fish_seen_subcommand_from help" -f -a "consensus" -d 'Commit latency and throughput of the validators; optionally the gap in commits when the leader is killed'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand bench; and __fish_seen_subcommand_from help" -f -a "gateway" -d 'A request mix through the gateway (or any --target), open loop at --rate or closed loop to saturation, with pass/fail thresholds'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand bench; and __fish_seen_subcommand_from help" -f -a "wallet" -d 'Transfers per second and latency through the wallet\'s HTTP API, closed loop or open loop at --rate'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand bench; and __fish_seen_subcommand_from help" -f -a "all" -d 'engine, consensus and gateway one after the other, each for --duration'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand bench; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand serve" -l index -d 'Index of this instance among its kind (validator 0..n, engine 0..n)' -r
complete -c bitcraps -n "__fish_bitcraps_using_subcommand serve" -l listen -d 'Listen address (default: from the configuration and --index)' -r
complete -c bitcraps -n "__fish_bitcraps_using_subcommand serve" -s c -l config -d 'Configuration file (default: ./bitcraps.toml when present)' -r -F
complete -c bitcraps -n "__fish_bitcraps_using_subcommand serve" -l set -d 'Override one configuration key, e.g. --set gateway.request_timeout=5s' -r
complete -c bitcraps -n "__fish_bitcraps_using_subcommand serve" -l state-dir -d 'State dir: pids, logs, data, keys, secrets and the control socket' -r -F
complete -c bitcraps -n "__fish_bitcraps_using_subcommand serve" -s o -l output -d 'Output format of queries' -r -f -a "table\t'Aligned columns for people'
json\t'JSON for scripts (JSON lines when streaming)'"
complete -c bitcraps -n "__fish_bitcraps_using_subcommand serve" -l color -d 'Color: auto (terminal and no NO_COLOR), always, never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c bitcraps -n "__fish_bitcraps_using_subcommand serve" -s q -l quiet -d 'Print only what scripts need (errors still go to stderr)'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand serve" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand serve" -s V -l version -d 'Print version'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand tui" -l refresh -d 'How often to read every service (at least 250ms)' -r
complete -c bitcraps -n "__fish_bitcraps_using_subcommand tui" -l gateway -d 'Gateway base URL (default: the configured gateway on 127.0.0.1)' -r
complete -c bitcraps -n "__fish_bitcraps_using_subcommand tui" -l token -d 'Bearer token (default: an admin token signed with the issuer key)' -r
complete -c bitcraps -n "__fish_bitcraps_using_subcommand tui" -s c -l config -d 'Configuration file (default: ./bitcraps.toml when present)' -r -F
complete -c bitcraps -n "__fish_bitcraps_using_subcommand tui" -l set -d 'Override one configuration key, e.g. --set gateway.request_timeout=5s' -r
complete -c bitcraps -n "__fish_bitcraps_using_subcommand tui" -l state-dir -d 'State dir: pids, logs, data, keys, secrets and the control socket' -r -F
complete -c bitcraps -n "__fish_bitcraps_using_subcommand tui" -s o -l output -d 'Output format of queries' -r -f -a "table\t'Aligned columns for people'
json\t'JSON for scripts (JSON lines when streaming)'"
complete -c bitcraps -n "__fish_bitcraps_using_subcommand tui" -l color -d 'Color: auto (terminal and no NO_COLOR), always, never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c bitcraps -n "__fish_bitcraps_using_subcommand tui" -s q -l quiet -d 'Print only what scripts need (errors still go to stderr)'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand tui" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand tui" -s V -l version -d 'Print version'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand completions" -s c -l config -d 'Configuration file (default: ./bitcraps.toml when present)' -r -F
complete -c bitcraps -n "__fish_bitcraps_using_subcommand completions" -l set -d 'Override one configuration key, e.g. --set gateway.request_timeout=5s' -r
complete -c bitcraps -n "__fish_bitcraps_using_subcommand completions" -l state-dir -d 'State dir: pids, logs, data, keys, secrets and the control socket' -r -F
complete -c bitcraps -n "__fish_bitcraps_using_subcommand completions" -s o -l output -d 'Output format of queries' -r -f -a "table\t'Aligned columns for people'
json\t'JSON for scripts (JSON lines when streaming)'"
complete -c bitcraps -n "__fish_bitcraps_using_subcommand completions" -l color -d 'Color: auto (terminal and no NO_COLOR), always, never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c bitcraps -n "__fish_bitcraps_using_subcommand completions" -s q -l quiet -d 'Print only what scripts need (errors still go to stderr)'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand completions" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand completions" -s V -l version -d 'Print version'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand manpage" -l out-dir -r -F
complete -c bitcraps -n "__fish_bitcraps_using_subcommand manpage" -s c -l config -d 'Configuration file (default: ./bitcraps.toml when present)' -r -F
complete -c bitcraps -n "__fish_bitcraps_using_subcommand manpage" -l set -d 'Override one configuration key, e.g. --set gateway.request_timeout=5s' -r
complete -c bitcraps -n "__fish_bitcraps_using_subcommand manpage" -l state-dir -d 'State dir: pids, logs, data, keys, secrets and the control socket' -r -F
complete -c bitcraps -n "__fish_bitcraps_using_subcommand manpage" -s o -l output -d 'Output format of queries' -r -f -a "table\t'Aligned columns for people'
json\t'JSON for scripts (JSON lines when streaming)'"
complete -c bitcraps -n "__fish_bitcraps_using_subcommand manpage" -l color -d 'Color: auto (terminal and no NO_COLOR), always, never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c bitcraps -n "__fish_bitcraps_using_subcommand manpage" -s q -l quiet -d 'Print only what scripts need (errors still go to stderr)'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand manpage" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand manpage" -s V -l version -d 'Print version'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand help; and not __fish_seen_subcommand_from up down ps logs restart stop start config auth certs sandbox game consensus wallet keys bench serve tui completions manpage help" -f -a "up" -d 'Start every service in dependency order and supervise it'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand help; and not __fish_seen_subcommand_from up down ps logs restart stop start config auth certs sandbox game consensus wallet keys bench serve tui completions manpage help" -f -a "down" -d 'Stop every service (SIGTERM, then SIGKILL after --timeout)'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand help; and not __fish_seen_subcommand_from up down ps logs restart stop start config auth certs sandbox game consensus wallet keys bench serve tui completions manpage help" -f -a "ps" -d 'List the supervised services: pid, state, health, uptime, restarts'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand help; and not __fish_seen_subcommand_from up down ps logs restart stop start config auth certs sandbox game consensus wallet keys bench serve tui completions manpage help" -f -a "logs" -d 'Show service logs'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand help; and not __fish_seen_subcommand_from up down ps logs restart stop start config auth certs sandbox game consensus wallet keys bench serve tui completions manpage help" -f -a "restart" -d 'Stop and start services, waiting until they are ready again'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand help; and not __fish_seen_subcommand_from up down ps logs restart stop start config auth certs sandbox game consensus wallet keys bench serve tui completions manpage help" -f -a "stop" -d 'Stop services and keep them stopped (the supervisor and the other services go on) until `start` or `restart`'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand help; and not __fish_seen_subcommand_from up down ps logs restart stop start config auth certs sandbox game consensus wallet keys bench serve tui completions manpage help" -f -a "start" -d 'Start services that are stopped or failed, waiting until they are ready (running ones are left alone)'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand help; and not __fish_seen_subcommand_from up down ps logs restart stop start config auth certs sandbox game consensus wallet keys bench serve tui completions manpage help" -f -a "config" -d 'Show, check or print the configuration'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand help; and not __fish_seen_subcommand_from up down ps logs restart stop start config auth certs sandbox game consensus wallet keys bench serve tui completions manpage help" -f -a "auth" -d 'Mint credentials'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand help; and not __fish_seen_subcommand_from up down ps logs restart stop start config auth certs sandbox game consensus wallet keys bench serve tui completions manpage help" -f -a "certs" -d 'The services\' TLS certificates'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand help; and not __fish_seen_subcommand_from up down ps logs restart stop start config auth certs sandbox game consensus wallet keys bench serve tui completions manpage help" -f -a "sandbox" -d 'What each service can open once it has confined itself (Landlock), and a probe that asks the kernel'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand help; and not __fish_seen_subcommand_from up down ps logs restart stop start config auth certs sandbox game consensus wallet keys bench serve tui completions manpage help" -f -a "game" -d 'Create, play, watch and verify games through the gateway'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand help; and not __fish_seen_subcommand_from up down ps logs restart stop start config auth certs sandbox game consensus wallet keys bench serve tui completions manpage help" -f -a "consensus" -d 'Propose, inspect and verify consensus through the gateway'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand help; and not __fish_seen_subcommand_from up down ps logs restart stop start config auth certs sandbox game consensus wallet keys bench serve tui completions manpage help" -f -a "wallet" -d 'Deposit, withdraw, move and audit chips in the wallet through the gateway'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand help; and not __fish_seen_subcommand_from up down ps logs restart stop start config auth certs sandbox game consensus wallet keys bench serve tui completions manpage help" -f -a "keys" -d 'Validator keys'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand help; and not __fish_seen_subcommand_from up down ps logs restart stop start config auth certs sandbox game consensus wallet keys bench serve tui completions manpage help" -f -a "bench" -d 'Measure a running system'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand help; and not __fish_seen_subcommand_from up down ps logs restart stop start config auth certs sandbox game consensus wallet keys bench serve tui completions manpage help" -f -a "serve" -d 'Run one service in the foreground (what the supervisor spawns)'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand help; and not __fish_seen_subcommand_from up down ps logs restart stop start config auth certs sandbox game consensus wallet keys bench serve tui completions manpage help" -f -a "tui" -d 'Live dashboard: services, games, validators, gateway, metrics'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand help; and not __fish_seen_subcommand_from up down ps logs restart stop start config auth certs sandbox game consensus wallet keys bench serve tui completions manpage help" -f -a "completions" -d 'Print shell completions (bash, zsh, fish, elvish, powershell)'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand help; and not __fish_seen_subcommand_from up down ps logs restart stop start config auth certs sandbox game consensus wallet keys bench serve tui completions manpage help" -f -a "manpage" -d 'Print the man page (roff), or write one page per command into a directory (`man/` holds them generated; a test keeps them current)'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand help; and not __fish_seen_subcommand_from up down ps logs restart stop start config auth certs sandbox game consensus wallet keys bench serve tui completions manpage help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand help; and __fish_seen_subcommand_from config" -f -a "show" -d 'Print the effective configuration and where each value came from'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand help; and __fish_seen_subcommand_from config" -f -a "check" -d 'Validate a configuration file (the environment is not consulted)'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand help; and __fish_seen_subcommand_from config" -f -a "default" -d 'Print the documented default configuration (config/bitcraps.toml)'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand help; and __fish_seen_subcommand_from auth" -f -a "token" -d 'Mint a token (EdDSA) signed with the issuer key (the configured one, else the state dir\'s); HS256 with the secret under the opt-in'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand help; and __fish_seen_subcommand_from auth" -f -a "revoke" -d 'Revoke a token by its id (`jti`); every service refuses it within a second'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand help; and __fish_seen_subcommand_from auth" -f -a "rotate" -d 'Add a new issuer key: new tokens are signed with it, tokens of the old keys stay valid while those keys are in the set. `--retire KID` removes a key instead'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand help; and __fish_seen_subcommand_from auth" -f -a "keys" -d 'List the keys of the set (kid, scope)'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand help; and __fish_seen_subcommand_from auth" -f -a "service-key" -d 'Make (or show) each service NAME\'s own signing key and list it in the set with its one role, for services started outside `bitcraps up` (the compose file\'s `keys` step)'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand help; and __fish_seen_subcommand_from auth" -f -a "apikey" -d 'API keys: create (shown once), list, revoke'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand help; and __fish_seen_subcommand_from certs" -f -a "rotate" -d 'Make a new certificate and key for every instance and the `cli` identity, signed by the same CA, each file replaced atomically. Running services load theirs within a second, for new connections; requests in flight finish on the old ones'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand help; and __fish_seen_subcommand_from certs" -f -a "issue" -d 'Make the state dir\'s CA (when there is none) and a certificate for each named instance, keeping those still valid for their names (for hosts where each service is started on its own, e.g. the compose file\'s `certs` step; `up` does this itself)'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand help; and __fish_seen_subcommand_from sandbox" -f -a "show" -d 'List what INSTANCE may open once confined: each path, its access (read, read_exec, read_write) and why'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand help; and __fish_seen_subcommand_from sandbox" -f -a "probe" -d 'Confine this process exactly as INSTANCE confines itself, then try to open every file under the state dir: what the kernel lets that service read. Exit 6 when a file meant to be out of its reach (a private key, another service\'s data) could be read, for instance on a kernel without Landlock'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand help; and __fish_seen_subcommand_from game" -f -a "create" -d 'Create a game: `--player alice:1000 --player bob:500`'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand help; and __fish_seen_subcommand_from game" -f -a "list" -d 'List games'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand help; and __fish_seen_subcommand_from game" -f -a "watch" -d 'Follow a game\'s events live (JSON lines with --output json); ends when the game finishes'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand help; and __fish_seen_subcommand_from game" -f -a "show" -d 'Show one game'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand help; and __fish_seen_subcommand_from game" -f -a "bet" -d 'Place a craps bet: `--player alice --on pass --amount 10`'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand help; and __fish_seen_subcommand_from game" -f -a "roll" -d 'Roll the dice (the shooter)'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand help; and __fish_seen_subcommand_from game" -f -a "act" -d 'Any action: `act ID --player P hit`, `act ID --player P raise 40`, `act ID --player P seed MY-CLIENT-SEED`'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand help; and __fish_seen_subcommand_from game" -f -a "verify" -d 'Check a finished game: the seed against the commitment, every roll and shuffle recomputed, and the anchors against the validators'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand help; and __fish_seen_subcommand_from consensus" -f -a "propose" -d 'Order a JSON payload through the validators'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand help; and __fish_seen_subcommand_from consensus" -f -a "status" -d 'Height, view, leader and each validator\'s last vote'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand help; and __fish_seen_subcommand_from consensus" -f -a "blocks" -d 'Committed blocks with their certificates (JSON lines with --output json)'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand help; and __fish_seen_subcommand_from consensus" -f -a "evidence" -d 'Byzantine evidence the validators recorded'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand help; and __fish_seen_subcommand_from consensus" -f -a "validators" -d 'The validator set: list, add, remove, set-power (admin)'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand help; and __fish_seen_subcommand_from consensus" -f -a "vote" -d 'Sign a vote with a validator key file and submit it (POST /vote)'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand help; and __fish_seen_subcommand_from consensus" -f -a "verify" -d 'Check a block\'s quorum certificate, trusting only the genesis: every validator set change on the way is checked against the set before it'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand help; and __fish_seen_subcommand_from wallet" -f -a "deposit" -d 'Deposit chips: issuance → ACCOUNT (cashier or admin). Opens a player\'s account on its first deposit'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand help; and __fish_seen_subcommand_from wallet" -f -a "withdraw" -d 'Withdraw chips: ACCOUNT → issuance (cashier or admin)'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand help; and __fish_seen_subcommand_from wallet" -f -a "transfer" -d 'Move chips from one account to another (players move only their own chips, to another player)'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand help; and __fish_seen_subcommand_from wallet" -f -a "balance" -d 'An account\'s balance (default: your own player:<sub>; for cashiers and admins, every account)'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand help; and __fish_seen_subcommand_from wallet" -f -a "history" -d 'An account\'s transfers, oldest first (default: your own account; for cashiers and admins, the whole log)'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand help; and __fish_seen_subcommand_from wallet" -f -a "audit" -d 'Export the whole log and every account, recompute the hash chain and every balance here, compare with the wallet\'s own audit and summary (cashier or admin), and check every `wallet.anchor` in the validators\' blocks (through the gateway) against the log. Exit 6 on any mismatch'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand help; and __fish_seen_subcommand_from keys" -f -a "generate" -d 'Generate an ed25519 validator key'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand help; and __fish_seen_subcommand_from bench" -f -a "engine" -d 'Actions per second and latency through the engine\'s HTTP API'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand help; and __fish_seen_subcommand_from bench" -f -a "consensus" -d 'Commit latency and throughput of the validators; optionally the gap in commits when the leader is killed'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand help; and __fish_seen_subcommand_from bench" -f -a "gateway" -d 'A request mix through the gateway (or any --target), open loop at --rate or closed loop to saturation, with pass/fail thresholds'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand help; and __fish_seen_subcommand_from bench" -f -a "wallet" -d 'Transfers per second and latency through the wallet\'s HTTP API, closed loop or open loop at --rate'
complete -c bitcraps -n "__fish_bitcraps_using_subcommand help; and __fish_seen_subcommand_from bench" -f -a "all" -d 'engine, consensus and gateway one after the other, each for --duration'
