#compdef bitcraps

autoload -U is-at-least

_bitcraps() {
    typeset -A opt_args
    typeset -a _arguments_options
    local ret=1

    if is-at-least 5.2; then
        _arguments_options=(-s -S -C)
    else
        _arguments_options=(-s -C)
    fi

    local context curcontext="$curcontext" state line
    _arguments "${_arguments_options[@]}" : \
'-c+[Configuration file (default\: ./bitcraps.toml when present)]:FILE:_files' \
'--config=[Configuration file (default\: ./bitcraps.toml when present)]:FILE:_files' \
'*--set=[Override one configuration key, e.g. --set gateway.request_timeout=5s]:KEY=VALUE:_default' \
'--state-dir=[State dir\: pids, logs, data, keys, secrets and the control socket]:DIR:_files' \
'-o+[Output format of queries]:OUTPUT:((table\:"Aligned columns for people"
json\:"JSON for scripts (JSON lines when streaming)"))' \
'--output=[Output format of queries]:OUTPUT:((table\:"Aligned columns for people"
json\:"JSON for scripts (JSON lines when streaming)"))' \
'--color=[Color\: auto (terminal and no NO_COLOR), always, never]:COLOR:(auto always never)' \
'-q[Print only what scripts need (errors still go to stderr)]' \
'--quiet[Print only what scripts need (errors still go to stderr)]' \
'-h[Print help (see more with '\''--help'\'')]' \
'--help[Print help (see more with '\''--help'\'')]' \
'-V[Print version]' \
'--version[Print version]' \
":: :_bitcraps_commands" \
"*::: :->bitcraps" \
&& ret=0
    case $state in
    (bitcraps)
        words=($line[1] "${words[@]}")
        (( CURRENT += 1 ))
        curcontext="${curcontext%:*:*}:bitcraps-command-$line[1]:"
        case $line[1] in
            (up)
_arguments "${_arguments_options[@]}" : \
'--timeout=[How long --wait waits for readiness (default\: supervisor.ready_timeout)]:DURATION:_default' \
'--validators=[Number of validators (n >= 3f+1)]:N:_default' \
'--engines=[Number of engine instances]:N:_default' \
'--algorithm=[Consensus algorithm\: pbft, tendermint, hotstuff]:NAME:_default' \
'*--fault=[Make a validator misbehave, for demos and tests\: validator-N=silent|slow\[\:DURATION\]|equivocate (repeatable). Also enables POST /fault on the validators]:VALIDATOR=FAULT:_default' \
'--log-level=[The services'\'' log filter (\`telemetry.log_level\`, e.g. \`info\` or \`bitcraps=debug\`). Given here or as RUST_LOG, the foreground shows every line the services write; otherwise it shows lifecycle events, warnings and errors (the files under logs/ keep everything)]:FILTER:_default' \
'-c+[Configuration file (default\: ./bitcraps.toml when present)]:FILE:_files' \
'--config=[Configuration file (default\: ./bitcraps.toml when present)]:FILE:_files' \
'*--set=[Override one configuration key, e.g. --set gateway.request_timeout=5s]:KEY=VALUE:_default' \
'--state-dir=[State dir\: pids, logs, data, keys, secrets and the control socket]:DIR:_files' \
'-o+[Output format of queries]:OUTPUT:((table\:"Aligned columns for people"
json\:"JSON for scripts (JSON lines when streaming)"))' \
'--output=[Output format of queries]:OUTPUT:((table\:"Aligned columns for people"
json\:"JSON for scripts (JSON lines when streaming)"))' \
'--color=[Color\: auto (terminal and no NO_COLOR), always, never]:COLOR:(auto always never)' \
'-d[Run in the background; return once the supervisor is up]' \
'--detach[Run in the background; return once the supervisor is up]' \
'--wait[Return only when every service is ready (implies --detach); exit 5 on timeout]' \
'--demo-funds[Deposit demo chips once the wallet answers\: the house (to back tables) and the players alice, bob, carol, dave and erin. Safe to repeat\: the deposits have fixed ids]' \
'--insecure-plaintext[Debugging only\: plain HTTP between the services instead of mutual TLS (\`tls.insecure_plaintext\`). Warns loudly at start]' \
'--supervise-daemon[Internal\: run as the detached supervisor]' \
'-q[Print only what scripts need (errors still go to stderr)]' \
'--quiet[Print only what scripts need (errors still go to stderr)]' \
'-h[Print help (see more with '\''--help'\'')]' \
'--help[Print help (see more with '\''--help'\'')]' \
'-V[Print version]' \
'--version[Print version]' \
&& ret=0
;;
(down)
_arguments "${_arguments_options[@]}" : \
'--timeout=[Grace period after SIGTERM before SIGKILL (at most 1h)]:DURATION:_default' \
'-c+[Configuration file (default\: ./bitcraps.toml when present)]:FILE:_files' \
'--config=[Configuration file (default\: ./bitcraps.toml when present)]:FILE:_files' \
'*--set=[Override one configuration key, e.g. --set gateway.request_timeout=5s]:KEY=VALUE:_default' \
'--state-dir=[State dir\: pids, logs, data, keys, secrets and the control socket]:DIR:_files' \
'-o+[Output format of queries]:OUTPUT:((table\:"Aligned columns for people"
json\:"JSON for scripts (JSON lines when streaming)"))' \
'--output=[Output format of queries]:OUTPUT:((table\:"Aligned columns for people"
json\:"JSON for scripts (JSON lines when streaming)"))' \
'--color=[Color\: auto (terminal and no NO_COLOR), always, never]:COLOR:(auto always never)' \
'-q[Print only what scripts need (errors still go to stderr)]' \
'--quiet[Print only what scripts need (errors still go to stderr)]' \
'-h[Print help (see more with '\''--help'\'')]' \
'--help[Print help (see more with '\''--help'\'')]' \
'-V[Print version]' \
'--version[Print version]' \
&& ret=0
;;
(ps)
_arguments "${_arguments_options[@]}" : \
'-c+[Configuration file (default\: ./bitcraps.toml when present)]:FILE:_files' \
'--config=[Configuration file (default\: ./bitcraps.toml when present)]:FILE:_files' \
'*--set=[Override one configuration key, e.g. --set gateway.request_timeout=5s]:KEY=VALUE:_default' \
'--state-dir=[State dir\: pids, logs, data, keys, secrets and the control socket]:DIR:_files' \
'-o+[Output format of queries]:OUTPUT:((table\:"Aligned columns for people"
json\:"JSON for scripts (JSON lines when streaming)"))' \
'--output=[Output format of queries]:OUTPUT:((table\:"Aligned columns for people"
json\:"JSON for scripts (JSON lines when streaming)"))' \
'--color=[Color\: auto (terminal and no NO_COLOR), always, never]:COLOR:(auto always never)' \
'-q[Print only what scripts need (errors still go to stderr)]' \
'--quiet[Print only what scripts need (errors still go to stderr)]' \
'-h[Print help (see more with '\''--help'\'')]' \
'--help[Print help (see more with '\''--help'\'')]' \
'-V[Print version]' \
'--version[Print version]' \
&& ret=0
;;
(logs)
_arguments "${_arguments_options[@]}" : \
'-n+[Lines to show from the end of each log]:N:_default' \
'--lines=[Lines to show from the end of each log]:N:_default' \
'-c+[Configuration file (default\: ./bitcraps.toml when present)]:FILE:_files' \
'--config=[Configuration file (default\: ./bitcraps.toml when present)]:FILE:_files' \
'*--set=[Override one configuration key, e.g. --set gateway.request_timeout=5s]:KEY=VALUE:_default' \
'--state-dir=[State dir\: pids, logs, data, keys, secrets and the control socket]:DIR:_files' \
'-o+[Output format of queries]:OUTPUT:((table\:"Aligned columns for people"
json\:"JSON for scripts (JSON lines when streaming)"))' \
'--output=[Output format of queries]:OUTPUT:((table\:"Aligned columns for people"
json\:"JSON for scripts (JSON lines when streaming)"))' \
'--color=[Color\: auto (terminal and no NO_COLOR), always, never]:COLOR:(auto always never)' \
'-f[Keep printing new lines as they are written]' \
'--follow[Keep printing new lines as they are written]' \
'--raw[Print the raw JSON lines as the services wrote them]' \
'-q[Print only what scripts need (errors still go to stderr)]' \
'--quiet[Print only what scripts need (errors still go to stderr)]' \
'-h[Print help (see more with '\''--help'\'')]' \
'--help[Print help (see more with '\''--help'\'')]' \
'-V[Print version]' \
'--version[Print version]' \
'*::services -- Services (validator-0, wallet, engine-0, gateway, supervisor) or kinds (validators, wallets, engines); default\: all:_default' \
&& ret=0
;;
(restart)
_arguments "${_arguments_options[@]}" : \
'-c+[Configuration file (default\: ./bitcraps.toml when present)]:FILE:_files' \
'--config=[Configuration file (default\: ./bitcraps.toml when present)]:FILE:_files' \
'*--set=[Override one configuration key, e.g. --set gateway.request_timeout=5s]:KEY=VALUE:_default' \
'--state-dir=[State dir\: pids, logs, data, keys, secrets and the control socket]:DIR:_files' \
'-o+[Output format of queries]:OUTPUT:((table\:"Aligned columns for people"
json\:"JSON for scripts (JSON lines when streaming)"))' \
'--output=[Output format of queries]:OUTPUT:((table\:"Aligned columns for people"
json\:"JSON for scripts (JSON lines when streaming)"))' \
'--color=[Color\: auto (terminal and no NO_COLOR), always, never]:COLOR:(auto always never)' \
'-q[Print only what scripts need (errors still go to stderr)]' \
'--quiet[Print only what scripts need (errors still go to stderr)]' \
'-h[Print help (see more with '\''--help'\'')]' \
'--help[Print help (see more with '\''--help'\'')]' \
'-V[Print version]' \
'--version[Print version]' \
'*::services -- Service names (validator-0, wallet, engine-0, gateway) or kinds (validators, wallets, engines):_default' \
&& ret=0
;;
(stop)
_arguments "${_arguments_options[@]}" : \
'-c+[Configuration file (default\: ./bitcraps.toml when present)]:FILE:_files' \
'--config=[Configuration file (default\: ./bitcraps.toml when present)]:FILE:_files' \
'*--set=[Override one configuration key, e.g. --set gateway.request_timeout=5s]:KEY=VALUE:_default' \
'--state-dir=[State dir\: pids, logs, data, keys, secrets and the control socket]:DIR:_files' \
'-o+[Output format of queries]:OUTPUT:((table\:"Aligned columns for people"
json\:"JSON for scripts (JSON lines when streaming)"))' \
'--output=[Output format of queries]:OUTPUT:((table\:"Aligned columns for people"
json\:"JSON for scripts (JSON lines when streaming)"))' \
'--color=[Color\: auto (terminal and no NO_COLOR), always, never]:COLOR:(auto always never)' \
'-q[Print only what scripts need (errors still go to stderr)]' \
'--quiet[Print only what scripts need (errors still go to stderr)]' \
'-h[Print help (see more with '\''--help'\'')]' \
'--help[Print help (see more with '\''--help'\'')]' \
'-V[Print version]' \
'--version[Print version]' \
'*::services -- Service names (validator-0, wallet, engine-0, gateway) or kinds (validators, wallets, engines):_default' \
&& ret=0
;;
(start)
_arguments "${_arguments_options[@]}" : \
'-c+[Configuration file (default\: ./bitcraps.toml when present)]:FILE:_files' \
'--config=[Configuration file (default\: ./bitcraps.toml when present)]:FILE:_files' \
'*--set=[Override one configuration key, e.g. --set gateway.request_timeout=5s]:KEY=VALUE:_default' \
'--state-dir=[State dir\: pids, logs, data, keys, secrets and the control socket]:DIR:_files' \
'-o+[Output format of queries]:OUTPUT:((table\:"Aligned columns for people"
json\:"JSON for scripts (JSON lines when streaming)"))' \
'--output=[Output format of queries]:OUTPUT:((table\:"Aligned columns for people"
json\:"JSON for scripts (JSON lines when streaming)"))' \
'--color=[Color\: auto (terminal and no NO_COLOR), always, never]:COLOR:(auto always never)' \
'-q[Print only what scripts need (errors still go to stderr)]' \
'--quiet[Print only what scripts need (errors still go to stderr)]' \
'-h[Print help (see more with '\''--help'\'')]' \
'--help[Print help (see more with '\''--help'\'')]' \
'-V[Print version]' \
'--version[Print version]' \
'*::services -- Service names (validator-0, wallet, engine-0, gateway) or kinds (validators, wallets, engines):_default' \
&& ret=0
;;
(config)
_arguments "${_arguments_options[@]}" : \
'-c+[Configuration file (default\: ./bitcraps.toml when present)]:FILE:_files' \
'--config=[Configuration file (default\: ./bitcraps.toml when present)]:FILE:_files' \
'*--set=[Override one configuration key, e.g. --set gateway.request_timeout=5s]:KEY=VALUE:_default' \
'--state-dir=[State dir\: pids, logs, data, keys, secrets and the control socket]:DIR:_files' \
'-o+[Output format of queries]:OUTPUT:((table\:"Aligned columns for people"
json\:"JSON for scripts (JSON lines when streaming)"))' \
'--output=[Output format of queries]:OUTPUT:((table\:"Aligned columns for people"
json\:"JSON for scripts (JSON lines when streaming)"))' \
'--color=[Color\: auto (terminal and no NO_COLOR), always, never]:COLOR:(auto always never)' \
'-q[Print only what scripts need (errors still go to stderr)]' \
'--quiet[Print only what scripts need (errors still go to stderr)]' \
'-h[Print help (see more with '\''--help'\'')]' \
'--help[Print help (see more with '\''--help'\'')]' \
'-V[Print version]' \
'--version[Print version]' \
":: :_bitcraps__subcmd__config_commands" \
"*::: :->config" \
&& ret=0

    case $state in
    (config)
        words=($line[1] "${words[@]}")
        (( CURRENT += 1 ))
        curcontext="${curcontext%:*:*}:bitcraps-config-command-$line[1]:"
        case $line[1] in
            (show)
_arguments "${_arguments_options[@]}" : \
'-c+[Configuration file (default\: ./bitcraps.toml when present)]:FILE:_files' \
'--config=[Configuration file (default\: ./bitcraps.toml when present)]:FILE:_files' \
'*--set=[Override one configuration key, e.g. --set gateway.request_timeout=5s]:KEY=VALUE:_default' \
'--state-dir=[State dir\: pids, logs, data, keys, secrets and the control socket]:DIR:_files' \
'-o+[Output format of queries]:OUTPUT:((table\:"Aligned columns for people"
json\:"JSON for scripts (JSON lines when streaming)"))' \
'--output=[Output format of queries]:OUTPUT:((table\:"Aligned columns for people"
json\:"JSON for scripts (JSON lines when streaming)"))' \
'--color=[Color\: auto (terminal and no NO_COLOR), always, never]:COLOR:(auto always never)' \
'-q[Print only what scripts need (errors still go to stderr)]' \
'--quiet[Print only what scripts need (errors still go to stderr)]' \
'-h[Print help (see more with '\''--help'\'')]' \
'--help[Print help (see more with '\''--help'\'')]' \
'-V[Print version]' \
'--version[Print version]' \
&& ret=0
;;
(check)
_arguments "${_arguments_options[@]}" : \
'-c+[Configuration file (default\: ./bitcraps.toml when present)]:FILE:_files' \
'--config=[Configuration file (default\: ./bitcraps.toml when present)]:FILE:_files' \
'*--set=[Override one configuration key, e.g. --set gateway.request_timeout=5s]:KEY=VALUE:_default' \
'--state-dir=[State dir\: pids, logs, data, keys, secrets and the control socket]:DIR:_files' \
'-o+[Output format of queries]:OUTPUT:((table\:"Aligned columns for people"
json\:"JSON for scripts (JSON lines when streaming)"))' \
'--output=[Output format of queries]:OUTPUT:((table\:"Aligned columns for people"
json\:"JSON for scripts (JSON lines when streaming)"))' \
'--color=[Color\: auto (terminal and no NO_COLOR), always, never]:COLOR:(auto always never)' \
'-q[Print only what scripts need (errors still go to stderr)]' \
'--quiet[Print only what scripts need (errors still go to stderr)]' \
'-h[Print help (see more with '\''--help'\'')]' \
'--help[Print help (see more with '\''--help'\'')]' \
'-V[Print version]' \
'--version[Print version]' \
':file -- The TOML file to check:_files' \
&& ret=0
;;
(default)
_arguments "${_arguments_options[@]}" : \
'-c+[Configuration file (default\: ./bitcraps.toml when present)]:FILE:_files' \
'--config=[Configuration file (default\: ./bitcraps.toml when present)]:FILE:_files' \
'*--set=[Override one configuration key, e.g. --set gateway.request_timeout=5s]:KEY=VALUE:_default' \
'--state-dir=[State dir\: pids, logs, data, keys, secrets and the control socket]:DIR:_files' \
'-o+[Output format of queries]:OUTPUT:((table\:"Aligned columns for people"
json\:"JSON for scripts (JSON lines when streaming)"))' \
'--output=[Output format of queries]:OUTPUT:((table\:"Aligned columns for people"
json\:"JSON for scripts (JSON lines when streaming)"))' \
'--color=[Color\: auto (terminal and no NO_COLOR), always, never]:COLOR:(auto always never)' \
'-q[Print only what scripts need (errors still go to stderr)]' \
'--quiet[Print only what scripts need (errors still go to stderr)]' \
'-h[Print help (see more with '\''--help'\'')]' \
'--help[Print help (see more with '\''--help'\'')]' \
'-V[Print version]' \
'--version[Print version]' \
&& ret=0
;;
(help)
_arguments "${_arguments_options[@]}" : \
":: :_bitcraps__subcmd__config__subcmd__help_commands" \
"*::: :->help" \
&& ret=0

    case $state in
    (help)
        words=($line[1] "${words[@]}")
        (( CURRENT += 1 ))
        curcontext="${curcontext%:*:*}:bitcraps-config-help-command-$line[1]:"
        case $line[1] in
            (show)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(check)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(default)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(help)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
        esac
    ;;
esac
;;
        esac
    ;;
esac
;;
(auth)
_arguments "${_arguments_options[@]}" : \
'-c+[Configuration file (default\: ./bitcraps.toml when present)]:FILE:_files' \
'--config=[Configuration file (default\: ./bitcraps.toml when present)]:FILE:_files' \
'*--set=[Override one configuration key, e.g. --set gateway.request_timeout=5s]:KEY=VALUE:_default' \
'--state-dir=[State dir\: pids, logs, data, keys, secrets and the control socket]:DIR:_files' \
'-o+[Output format of queries]:OUTPUT:((table\:"Aligned columns for people"
json\:"JSON for scripts (JSON lines when streaming)"))' \
'--output=[Output format of queries]:OUTPUT:((table\:"Aligned columns for people"
json\:"JSON for scripts (JSON lines when streaming)"))' \
'--color=[Color\: auto (terminal and no NO_COLOR), always, never]:COLOR:(auto always never)' \
'-q[Print only what scripts need (errors still go to stderr)]' \
'--quiet[Print only what scripts need (errors still go to stderr)]' \
'-h[Print help (see more with '\''--help'\'')]' \
'--help[Print help (see more with '\''--help'\'')]' \
'-V[Print version]' \
'--version[Print version]' \
":: :_bitcraps__subcmd__auth_commands" \
"*::: :->auth" \
&& ret=0

    case $state in
    (auth)
        words=($line[1] "${words[@]}")
        (( CURRENT += 1 ))
        curcontext="${curcontext%:*:*}:bitcraps-auth-command-$line[1]:"
        case $line[1] in
            (token)
_arguments "${_arguments_options[@]}" : \
'--sub=[Subject\: the player (or operator) the token speaks for]:SUB:_default' \
'--role=[player, validator or admin]:ROLE:_default' \
'--ttl=[Lifetime, e.g. 15m, 1h, 7d (at most 30 days)]:TTL:_default' \
'*--aud=[Services the token is for (repeatable or comma-separated)\: gateway, engine, wallet, consensus. Default\: all (the gateway forwards it)]:AUD:_default' \
'-c+[Configuration file (default\: ./bitcraps.toml when present)]:FILE:_files' \
'--config=[Configuration file (default\: ./bitcraps.toml when present)]:FILE:_files' \
'*--set=[Override one configuration key, e.g. --set gateway.request_timeout=5s]:KEY=VALUE:_default' \
'--state-dir=[State dir\: pids, logs, data, keys, secrets and the control socket]:DIR:_files' \
'-o+[Output format of queries]:OUTPUT:((table\:"Aligned columns for people"
json\:"JSON for scripts (JSON lines when streaming)"))' \
'--output=[Output format of queries]:OUTPUT:((table\:"Aligned columns for people"
json\:"JSON for scripts (JSON lines when streaming)"))' \
'--color=[Color\: auto (terminal and no NO_COLOR), always, never]:COLOR:(auto always never)' \
'-q[Print only what scripts need (errors still go to stderr)]' \
'--quiet[Print only what scripts need (errors still go to stderr)]' \
'-h[Print help (see more with '\''--help'\'')]' \
'--help[Print help (see more with '\''--help'\'')]' \
'-V[Print version]' \
'--version[Print version]' \
&& ret=0
;;
(revoke)
_arguments "${_arguments_options[@]}" : \
'-c+[Configuration file (default\: ./bitcraps.toml when present)]:FILE:_files' \
'--config=[Configuration file (default\: ./bitcraps.toml when present)]:FILE:_files' \
'*--set=[Override one configuration key, e.g. --set gateway.request_timeout=5s]:KEY=VALUE:_default' \
'--state-dir=[State dir\: pids, logs, data, keys, secrets and the control socket]:DIR:_files' \
'-o+[Output format of queries]:OUTPUT:((table\:"Aligned columns for people"
json\:"JSON for scripts (JSON lines when streaming)"))' \
'--output=[Output format of queries]:OUTPUT:((table\:"Aligned columns for people"
json\:"JSON for scripts (JSON lines when streaming)"))' \
'--color=[Color\: auto (terminal and no NO_COLOR), always, never]:COLOR:(auto always never)' \
'-q[Print only what scripts need (errors still go to stderr)]' \
'--quiet[Print only what scripts need (errors still go to stderr)]' \
'-h[Print help (see more with '\''--help'\'')]' \
'--help[Print help (see more with '\''--help'\'')]' \
'-V[Print version]' \
'--version[Print version]' \
':jti -- The token'\''s `jti` (`auth token --output json` prints it):_default' \
&& ret=0
;;
(rotate)
_arguments "${_arguments_options[@]}" : \
'--retire=[Remove this key from the set (its tokens stop working)]:KID:_default' \
'-c+[Configuration file (default\: ./bitcraps.toml when present)]:FILE:_files' \
'--config=[Configuration file (default\: ./bitcraps.toml when present)]:FILE:_files' \
'*--set=[Override one configuration key, e.g. --set gateway.request_timeout=5s]:KEY=VALUE:_default' \
'--state-dir=[State dir\: pids, logs, data, keys, secrets and the control socket]:DIR:_files' \
'-o+[Output format of queries]:OUTPUT:((table\:"Aligned columns for people"
json\:"JSON for scripts (JSON lines when streaming)"))' \
'--output=[Output format of queries]:OUTPUT:((table\:"Aligned columns for people"
json\:"JSON for scripts (JSON lines when streaming)"))' \
'--color=[Color\: auto (terminal and no NO_COLOR), always, never]:COLOR:(auto always never)' \
'-q[Print only what scripts need (errors still go to stderr)]' \
'--quiet[Print only what scripts need (errors still go to stderr)]' \
'-h[Print help (see more with '\''--help'\'')]' \
'--help[Print help (see more with '\''--help'\'')]' \
'-V[Print version]' \
'--version[Print version]' \
&& ret=0
;;
(keys)
_arguments "${_arguments_options[@]}" : \
'-c+[Configuration file (default\: ./bitcraps.toml when present)]:FILE:_files' \
'--config=[Configuration file (default\: ./bitcraps.toml when present)]:FILE:_files' \
'*--set=[Override one configuration key, e.g. --set gateway.request_timeout=5s]:KEY=VALUE:_default' \
'--state-dir=[State dir\: pids, logs, data, keys, secrets and the control socket]:DIR:_files' \
'-o+[Output format of queries]:OUTPUT:((table\:"Aligned columns for people"
json\:"JSON for scripts (JSON lines when streaming)"))' \
'--output=[Output format of queries]:OUTPUT:((table\:"Aligned columns for people"
json\:"JSON for scripts (JSON lines when streaming)"))' \
'--color=[Color\: auto (terminal and no NO_COLOR), always, never]:COLOR:(auto always never)' \
'-q[Print only what scripts need (errors still go to stderr)]' \
'--quiet[Print only what scripts need (errors still go to stderr)]' \
'-h[Print help (see more with '\''--help'\'')]' \
'--help[Print help (see more with '\''--help'\'')]' \
'-V[Print version]' \
'--version[Print version]' \
&& ret=0
;;
(service-key)
_arguments "${_arguments_options[@]}" : \
'--role=[engine or wallet (default\: from the name)]:ROLE:_default' \
'-c+[Configuration file (default\: ./bitcraps.toml when present)]:FILE:_files' \
'--config=[Configuration file (default\: ./bitcraps.toml when present)]:FILE:_files' \
'*--set=[Override one configuration key, e.g. --set gateway.request_timeout=5s]:KEY=VALUE:_default' \
'--state-dir=[State dir\: pids, logs, data, keys, secrets and the control socket]:DIR:_files' \
'-o+[Output format of queries]:OUTPUT:((table\:"Aligned columns for people"
json\:"JSON for scripts (JSON lines when streaming)"))' \
'--output=[Output format of queries]:OUTPUT:((table\:"Aligned columns for people"
json\:"JSON for scripts (JSON lines when streaming)"))' \
'--color=[Color\: auto (terminal and no NO_COLOR), always, never]:COLOR:(auto always never)' \
'-q[Print only what scripts need (errors still go to stderr)]' \
'--quiet[Print only what scripts need (errors still go to stderr)]' \
'-h[Print help (see more with '\''--help'\'')]' \
'--help[Print help (see more with '\''--help'\'')]' \
'-V[Print version]' \
'--version[Print version]' \
'*::names -- `engine-0`, `wallet`, `wallet-1`, … (repeatable):_default' \
&& ret=0
;;
(apikey)
_arguments "${_arguments_options[@]}" : \
'-c+[Configuration file (default\: ./bitcraps.toml when present)]:FILE:_files' \
'--config=[Configuration file (default\: ./bitcraps.toml when present)]:FILE:_files' \
'*--set=[Override one configuration key, e.g. --set gateway.request_timeout=5s]:KEY=VALUE:_default' \
'--state-dir=[State dir\: pids, logs, data, keys, secrets and the control socket]:DIR:_files' \
'-o+[Output format of queries]:OUTPUT:((table\:"Aligned columns for people"
json\:"JSON for scripts (JSON lines when streaming)"))' \
'--output=[Output format of queries]:OUTPUT:((table\:"Aligned columns for people"
json\:"JSON for scripts (JSON lines when streaming)"))' \
'--color=[Color\: auto (terminal and no NO_COLOR), always, never]:COLOR:(auto always never)' \
'-q[Print only what scripts need (errors still go to stderr)]' \
'--quiet[Print only what scripts need (errors still go to stderr)]' \
'-h[Print help (see more with '\''--help'\'')]' \
'--help[Print help (see more with '\''--help'\'')]' \
'-V[Print version]' \
'--version[Print version]' \
":: :_bitcraps__subcmd__auth__subcmd__apikey_commands" \
"*::: :->apikey" \
&& ret=0

    case $state in
    (apikey)
        words=($line[1] "${words[@]}")
        (( CURRENT += 1 ))
        curcontext="${curcontext%:*:*}:bitcraps-auth-apikey-command-$line[1]:"
        case $line[1] in
            (create)
_arguments "${_arguments_options[@]}" : \
'--name=[A label for operators]:NAME:_default' \
'--role=[]:ROLE:_default' \
'--sub=[Who the key acts as (default\: the name)]:SUB:_default' \
'--ttl=[Lifetime, e.g. 30d, 12h; checked on every use (default\: no expiry)]:TTL:_default' \
'-c+[Configuration file (default\: ./bitcraps.toml when present)]:FILE:_files' \
'--config=[Configuration file (default\: ./bitcraps.toml when present)]:FILE:_files' \
'*--set=[Override one configuration key, e.g. --set gateway.request_timeout=5s]:KEY=VALUE:_default' \
'--state-dir=[State dir\: pids, logs, data, keys, secrets and the control socket]:DIR:_files' \
'-o+[Output format of queries]:OUTPUT:((table\:"Aligned columns for people"
json\:"JSON for scripts (JSON lines when streaming)"))' \
'--output=[Output format of queries]:OUTPUT:((table\:"Aligned columns for people"
json\:"JSON for scripts (JSON lines when streaming)"))' \
'--color=[Color\: auto (terminal and no NO_COLOR), always, never]:COLOR:(auto always never)' \
'-q[Print only what scripts need (errors still go to stderr)]' \
'--quiet[Print only what scripts need (errors still go to stderr)]' \
'-h[Print help (see more with '\''--help'\'')]' \
'--help[Print help (see more with '\''--help'\'')]' \
'-V[Print version]' \
'--version[Print version]' \
&& ret=0
;;
(list)
_arguments "${_arguments_options[@]}" : \
'-c+[Configuration file (default\: ./bitcraps.toml when present)]:FILE:_files' \
'--config=[Configuration file (default\: ./bitcraps.toml when present)]:FILE:_files' \
'*--set=[Override one configuration key, e.g. --set gateway.request_timeout=5s]:KEY=VALUE:_default' \
'--state-dir=[State dir\: pids, logs, data, keys, secrets and the control socket]:DIR:_files' \
'-o+[Output format of queries]:OUTPUT:((table\:"Aligned columns for people"
json\:"JSON for scripts (JSON lines when streaming)"))' \
'--output=[Output format of queries]:OUTPUT:((table\:"Aligned columns for people"
json\:"JSON for scripts (JSON lines when streaming)"))' \
'--color=[Color\: auto (terminal and no NO_COLOR), always, never]:COLOR:(auto always never)' \
'-q[Print only what scripts need (errors still go to stderr)]' \
'--quiet[Print only what scripts need (errors still go to stderr)]' \
'-h[Print help (see more with '\''--help'\'')]' \
'--help[Print help (see more with '\''--help'\'')]' \
'-V[Print version]' \
'--version[Print version]' \
&& ret=0
;;
(revoke)
_arguments "${_arguments_options[@]}" : \
'-c+[Configuration file (default\: ./bitcraps.toml when present)]:FILE:_files' \
'--config=[Configuration file (default\: ./bitcraps.toml when present)]:FILE:_files' \
'*--set=[Override one configuration key, e.g. --set gateway.request_timeout=5s]:KEY=VALUE:_default' \
'--state-dir=[State dir\: pids, logs, data, keys, secrets and the control socket]:DIR:_files' \
'-o+[Output format of queries]:OUTPUT:((table\:"Aligned columns for people"
json\:"JSON for scripts (JSON lines when streaming)"))' \
'--output=[Output format of queries]:OUTPUT:((table\:"Aligned columns for people"
json\:"JSON for scripts (JSON lines when streaming)"))' \
'--color=[Color\: auto (terminal and no NO_COLOR), always, never]:COLOR:(auto always never)' \
'-q[Print only what scripts need (errors still go to stderr)]' \
'--quiet[Print only what scripts need (errors still go to stderr)]' \
'-h[Print help (see more with '\''--help'\'')]' \
'--help[Print help (see more with '\''--help'\'')]' \
'-V[Print version]' \
'--version[Print version]' \
':id:_default' \
&& ret=0
;;
(help)
_arguments "${_arguments_options[@]}" : \
":: :_bitcraps__subcmd__auth__subcmd__apikey__subcmd__help_commands" \
"*::: :->help" \
&& ret=0

    case $state in
    (help)
        words=($line[1] "${words[@]}")
        (( CURRENT += 1 ))
        curcontext="${curcontext%:*:*}:bitcraps-auth-apikey-help-command-$line[1]:"
        case $line[1] in
            (create)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(list)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(revoke)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(help)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
        esac
    ;;
esac
;;
        esac
    ;;
esac
;;
(help)
_arguments "${_arguments_options[@]}" : \
":: :_bitcraps__subcmd__auth__subcmd__help_commands" \
"*::: :->help" \
&& ret=0

    case $state in
    (help)
        words=($line[1] "${words[@]}")
        (( CURRENT += 1 ))
        curcontext="${curcontext%:*:*}:bitcraps-auth-help-command-$line[1]:"
        case $line[1] in
            (token)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(revoke)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(rotate)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(keys)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(service-key)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(apikey)
_arguments "${_arguments_options[@]}" : \
":: :_bitcraps__subcmd__auth__subcmd__help__subcmd__apikey_commands" \
"*::: :->apikey" \
&& ret=0

    case $state in
    (apikey)
        words=($line[1] "${words[@]}")
        (( CURRENT += 1 ))
        curcontext="${curcontext%:*:*}:bitcraps-auth-help-apikey-command-$line[1]:"
        case $line[1] in
            (create)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(list)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(revoke)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
        esac
    ;;
esac
;;
(help)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
        esac
    ;;
esac
;;
        esac
    ;;
esac
;;
(certs)
_arguments "${_arguments_options[@]}" : \
'-c+[Configuration file (default\: ./bitcraps.toml when present)]:FILE:_files' \
'--config=[Configuration file (default\: ./bitcraps.toml when present)]:FILE:_files' \
'*--set=[Override one configuration key, e.g. --set gateway.request_timeout=5s]:KEY=VALUE:_default' \
'--state-dir=[State dir\: pids, logs, data, keys, secrets and the control socket]:DIR:_files' \
'-o+[Output format of queries]:OUTPUT:((table\:"Aligned columns for people"
json\:"JSON for scripts (JSON lines when streaming)"))' \
'--output=[Output format of queries]:OUTPUT:((table\:"Aligned columns for people"
json\:"JSON for scripts (JSON lines when streaming)"))' \
'--color=[Color\: auto (terminal and no NO_COLOR), always, never]:COLOR:(auto always never)' \
'-q[Print only what scripts need (errors still go to stderr)]' \
'--quiet[Print only what scripts need (errors still go to stderr)]' \
'-h[Print help (see more with '\''--help'\'')]' \
'--help[Print help (see more with '\''--help'\'')]' \
'-V[Print version]' \
'--version[Print version]' \
":: :_bitcraps__subcmd__certs_commands" \
"*::: :->certs" \
&& ret=0

    case $state in
    (certs)
        words=($line[1] "${words[@]}")
        (( CURRENT += 1 ))
        curcontext="${curcontext%:*:*}:bitcraps-certs-command-$line[1]:"
        case $line[1] in
            (rotate)
_arguments "${_arguments_options[@]}" : \
'-c+[Configuration file (default\: ./bitcraps.toml when present)]:FILE:_files' \
'--config=[Configuration file (default\: ./bitcraps.toml when present)]:FILE:_files' \
'*--set=[Override one configuration key, e.g. --set gateway.request_timeout=5s]:KEY=VALUE:_default' \
'--state-dir=[State dir\: pids, logs, data, keys, secrets and the control socket]:DIR:_files' \
'-o+[Output format of queries]:OUTPUT:((table\:"Aligned columns for people"
json\:"JSON for scripts (JSON lines when streaming)"))' \
'--output=[Output format of queries]:OUTPUT:((table\:"Aligned columns for people"
json\:"JSON for scripts (JSON lines when streaming)"))' \
'--color=[Color\: auto (terminal and no NO_COLOR), always, never]:COLOR:(auto always never)' \
'-q[Print only what scripts need (errors still go to stderr)]' \
'--quiet[Print only what scripts need (errors still go to stderr)]' \
'-h[Print help (see more with '\''--help'\'')]' \
'--help[Print help (see more with '\''--help'\'')]' \
'-V[Print version]' \
'--version[Print version]' \
&& ret=0
;;
(issue)
_arguments "${_arguments_options[@]}" : \
'*--instance=[An instance to certify\: gateway, engine-N, validator-N, wallet (or wallet-N), cli. Repeatable. Default\: every instance \`up\` would start, the gateway and cli]:NAME:_default' \
'*--ip=[An IP address to name in every certificate besides 127.0.0.1 (clients check roles, not addresses; this is for tools such as curl that check the address). Repeatable]:IP:_default' \
'-c+[Configuration file (default\: ./bitcraps.toml when present)]:FILE:_files' \
'--config=[Configuration file (default\: ./bitcraps.toml when present)]:FILE:_files' \
'*--set=[Override one configuration key, e.g. --set gateway.request_timeout=5s]:KEY=VALUE:_default' \
'--state-dir=[State dir\: pids, logs, data, keys, secrets and the control socket]:DIR:_files' \
'-o+[Output format of queries]:OUTPUT:((table\:"Aligned columns for people"
json\:"JSON for scripts (JSON lines when streaming)"))' \
'--output=[Output format of queries]:OUTPUT:((table\:"Aligned columns for people"
json\:"JSON for scripts (JSON lines when streaming)"))' \
'--color=[Color\: auto (terminal and no NO_COLOR), always, never]:COLOR:(auto always never)' \
'-q[Print only what scripts need (errors still go to stderr)]' \
'--quiet[Print only what scripts need (errors still go to stderr)]' \
'-h[Print help (see more with '\''--help'\'')]' \
'--help[Print help (see more with '\''--help'\'')]' \
'-V[Print version]' \
'--version[Print version]' \
&& ret=0
;;
(help)
_arguments "${_arguments_options[@]}" : \
":: :_bitcraps__subcmd__certs__subcmd__help_commands" \
"*::: :->help" \
&& ret=0

    case $state in
    (help)
        words=($line[1] "${words[@]}")
        (( CURRENT += 1 ))
        curcontext="${curcontext%:*:*}:bitcraps-certs-help-command-$line[1]:"
        case $line[1] in
            (rotate)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(issue)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(help)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
        esac
    ;;
esac
;;
        esac
    ;;
esac
;;
(sandbox)
_arguments "${_arguments_options[@]}" : \
'-c+[Configuration file (default\: ./bitcraps.toml when present)]:FILE:_files' \
'--config=[Configuration file (default\: ./bitcraps.toml when present)]:FILE:_files' \
'*--set=[Override one configuration key, e.g. --set gateway.request_timeout=5s]:KEY=VALUE:_default' \
'--state-dir=[State dir\: pids, logs, data, keys, secrets and the control socket]:DIR:_files' \
'-o+[Output format of queries]:OUTPUT:((table\:"Aligned columns for people"
json\:"JSON for scripts (JSON lines when streaming)"))' \
'--output=[Output format of queries]:OUTPUT:((table\:"Aligned columns for people"
json\:"JSON for scripts (JSON lines when streaming)"))' \
'--color=[Color\: auto (terminal and no NO_COLOR), always, never]:COLOR:(auto always never)' \
'-q[Print only what scripts need (errors still go to stderr)]' \
'--quiet[Print only what scripts need (errors still go to stderr)]' \
'-h[Print help (see more with '\''--help'\'')]' \
'--help[Print help (see more with '\''--help'\'')]' \
'-V[Print version]' \
'--version[Print version]' \
":: :_bitcraps__subcmd__sandbox_commands" \
"*::: :->sandbox" \
&& ret=0

    case $state in
    (sandbox)
        words=($line[1] "${words[@]}")
        (( CURRENT += 1 ))
        curcontext="${curcontext%:*:*}:bitcraps-sandbox-command-$line[1]:"
        case $line[1] in
            (show)
_arguments "${_arguments_options[@]}" : \
'-c+[Configuration file (default\: ./bitcraps.toml when present)]:FILE:_files' \
'--config=[Configuration file (default\: ./bitcraps.toml when present)]:FILE:_files' \
'*--set=[Override one configuration key, e.g. --set gateway.request_timeout=5s]:KEY=VALUE:_default' \
'--state-dir=[State dir\: pids, logs, data, keys, secrets and the control socket]:DIR:_files' \
'-o+[Output format of queries]:OUTPUT:((table\:"Aligned columns for people"
json\:"JSON for scripts (JSON lines when streaming)"))' \
'--output=[Output format of queries]:OUTPUT:((table\:"Aligned columns for people"
json\:"JSON for scripts (JSON lines when streaming)"))' \
'--color=[Color\: auto (terminal and no NO_COLOR), always, never]:COLOR:(auto always never)' \
'-q[Print only what scripts need (errors still go to stderr)]' \
'--quiet[Print only what scripts need (errors still go to stderr)]' \
'-h[Print help (see more with '\''--help'\'')]' \
'--help[Print help (see more with '\''--help'\'')]' \
'-V[Print version]' \
'--version[Print version]' \
':instance -- gateway, engine-N, validator-N, wallet (or wallet-N):_default' \
&& ret=0
;;
(probe)
_arguments "${_arguments_options[@]}" : \
'-c+[Configuration file (default\: ./bitcraps.toml when present)]:FILE:_files' \
'--config=[Configuration file (default\: ./bitcraps.toml when present)]:FILE:_files' \
'*--set=[Override one configuration key, e.g. --set gateway.request_timeout=5s]:KEY=VALUE:_default' \
'--state-dir=[State dir\: pids, logs, data, keys, secrets and the control socket]:DIR:_files' \
'-o+[Output format of queries]:OUTPUT:((table\:"Aligned columns for people"
json\:"JSON for scripts (JSON lines when streaming)"))' \
'--output=[Output format of queries]:OUTPUT:((table\:"Aligned columns for people"
json\:"JSON for scripts (JSON lines when streaming)"))' \
'--color=[Color\: auto (terminal and no NO_COLOR), always, never]:COLOR:(auto always never)' \
'-q[Print only what scripts need (errors still go to stderr)]' \
'--quiet[Print only what scripts need (errors still go to stderr)]' \
'-h[Print help (see more with '\''--help'\'')]' \
'--help[Print help (see more with '\''--help'\'')]' \
'-V[Print version]' \
'--version[Print version]' \
':instance -- gateway, engine-N, validator-N, wallet (or wallet-N):_default' \
&& ret=0
;;
(help)
_arguments "${_arguments_options[@]}" : \
":: :_bitcraps__subcmd__sandbox__subcmd__help_commands" \
"*::: :->help" \
&& ret=0

    case $state in
    (help)
        words=($line[1] "${words[@]}")
        (( CURRENT += 1 ))
        curcontext="${curcontext%:*:*}:bitcraps-sandbox-help-command-$line[1]:"
        case $line[1] in
            (show)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(probe)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(help)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
        esac
    ;;
esac
;;
        esac
    ;;
esac
;;
(game)
_arguments "${_arguments_options[@]}" : \
'-c+[Configuration file (default\: ./bitcraps.toml when present)]:FILE:_files' \
'--config=[Configuration file (default\: ./bitcraps.toml when present)]:FILE:_files' \
'*--set=[Override one configuration key, e.g. --set gateway.request_timeout=5s]:KEY=VALUE:_default' \
'--state-dir=[State dir\: pids, logs, data, keys, secrets and the control socket]:DIR:_files' \
'-o+[Output format of queries]:OUTPUT:((table\:"Aligned columns for people"
json\:"JSON for scripts (JSON lines when streaming)"))' \
'--output=[Output format of queries]:OUTPUT:((table\:"Aligned columns for people"
json\:"JSON for scripts (JSON lines when streaming)"))' \
'--color=[Color\: auto (terminal and no NO_COLOR), always, never]:COLOR:(auto always never)' \
'-q[Print only what scripts need (errors still go to stderr)]' \
'--quiet[Print only what scripts need (errors still go to stderr)]' \
'-h[Print help (see more with '\''--help'\'')]' \
'--help[Print help (see more with '\''--help'\'')]' \
'-V[Print version]' \
'--version[Print version]' \
":: :_bitcraps__subcmd__game_commands" \
"*::: :->game" \
&& ret=0

    case $state in
    (game)
        words=($line[1] "${words[@]}")
        (( CURRENT += 1 ))
        curcontext="${curcontext%:*:*}:bitcraps-game-command-$line[1]:"
        case $line[1] in
            (create)
_arguments "${_arguments_options[@]}" : \
'--type=[]:GAME_TYPE:(craps blackjack poker)' \
'*--player=[NAME\[\:BUYIN\] (default buy-in 1000); repeat for more players]:PLAYERS:_default' \
'--min-bet=[]:MIN_BET:_default' \
'--max-bet=[]:MAX_BET:_default' \
'--seed=[A client seed for the first player, contributed once the game'\''s commitment is published (mixed into every draw)]:SEED:_default' \
'--gateway=[Gateway base URL (default\: the configured gateway on 127.0.0.1)]:URL:_default' \
'--token=[Bearer token (default\: an admin token signed with the issuer key)]:TOKEN:_default' \
'-c+[Configuration file (default\: ./bitcraps.toml when present)]:FILE:_files' \
'--config=[Configuration file (default\: ./bitcraps.toml when present)]:FILE:_files' \
'*--set=[Override one configuration key, e.g. --set gateway.request_timeout=5s]:KEY=VALUE:_default' \
'--state-dir=[State dir\: pids, logs, data, keys, secrets and the control socket]:DIR:_files' \
'-o+[Output format of queries]:OUTPUT:((table\:"Aligned columns for people"
json\:"JSON for scripts (JSON lines when streaming)"))' \
'--output=[Output format of queries]:OUTPUT:((table\:"Aligned columns for people"
json\:"JSON for scripts (JSON lines when streaming)"))' \
'--color=[Color\: auto (terminal and no NO_COLOR), always, never]:COLOR:(auto always never)' \
'-q[Print only what scripts need (errors still go to stderr)]' \
'--quiet[Print only what scripts need (errors still go to stderr)]' \
'-h[Print help (see more with '\''--help'\'')]' \
'--help[Print help (see more with '\''--help'\'')]' \
'-V[Print version]' \
'--version[Print version]' \
&& ret=0
;;
(list)
_arguments "${_arguments_options[@]}" : \
'--type=[]:GAME_TYPE:_default' \
'--status=[]:STATUS:_default' \
'--gateway=[Gateway base URL (default\: the configured gateway on 127.0.0.1)]:URL:_default' \
'--token=[Bearer token (default\: an admin token signed with the issuer key)]:TOKEN:_default' \
'-c+[Configuration file (default\: ./bitcraps.toml when present)]:FILE:_files' \
'--config=[Configuration file (default\: ./bitcraps.toml when present)]:FILE:_files' \
'*--set=[Override one configuration key, e.g. --set gateway.request_timeout=5s]:KEY=VALUE:_default' \
'--state-dir=[State dir\: pids, logs, data, keys, secrets and the control socket]:DIR:_files' \
'-o+[Output format of queries]:OUTPUT:((table\:"Aligned columns for people"
json\:"JSON for scripts (JSON lines when streaming)"))' \
'--output=[Output format of queries]:OUTPUT:((table\:"Aligned columns for people"
json\:"JSON for scripts (JSON lines when streaming)"))' \
'--color=[Color\: auto (terminal and no NO_COLOR), always, never]:COLOR:(auto always never)' \
'-q[Print only what scripts need (errors still go to stderr)]' \
'--quiet[Print only what scripts need (errors still go to stderr)]' \
'-h[Print help (see more with '\''--help'\'')]' \
'--help[Print help (see more with '\''--help'\'')]' \
'-V[Print version]' \
'--version[Print version]' \
&& ret=0
;;
(watch)
_arguments "${_arguments_options[@]}" : \
'--after=[Start after this event number (0 = from the beginning)]:AFTER:_default' \
'--gateway=[Gateway base URL (default\: the configured gateway on 127.0.0.1)]:URL:_default' \
'--token=[Bearer token (default\: an admin token signed with the issuer key)]:TOKEN:_default' \
'-c+[Configuration file (default\: ./bitcraps.toml when present)]:FILE:_files' \
'--config=[Configuration file (default\: ./bitcraps.toml when present)]:FILE:_files' \
'*--set=[Override one configuration key, e.g. --set gateway.request_timeout=5s]:KEY=VALUE:_default' \
'--state-dir=[State dir\: pids, logs, data, keys, secrets and the control socket]:DIR:_files' \
'-o+[Output format of queries]:OUTPUT:((table\:"Aligned columns for people"
json\:"JSON for scripts (JSON lines when streaming)"))' \
'--output=[Output format of queries]:OUTPUT:((table\:"Aligned columns for people"
json\:"JSON for scripts (JSON lines when streaming)"))' \
'--color=[Color\: auto (terminal and no NO_COLOR), always, never]:COLOR:(auto always never)' \
'-q[Print only what scripts need (errors still go to stderr)]' \
'--quiet[Print only what scripts need (errors still go to stderr)]' \
'-h[Print help (see more with '\''--help'\'')]' \
'--help[Print help (see more with '\''--help'\'')]' \
'-V[Print version]' \
'--version[Print version]' \
':id:_default' \
&& ret=0
;;
(show)
_arguments "${_arguments_options[@]}" : \
'--gateway=[Gateway base URL (default\: the configured gateway on 127.0.0.1)]:URL:_default' \
'--token=[Bearer token (default\: an admin token signed with the issuer key)]:TOKEN:_default' \
'-c+[Configuration file (default\: ./bitcraps.toml when present)]:FILE:_files' \
'--config=[Configuration file (default\: ./bitcraps.toml when present)]:FILE:_files' \
'*--set=[Override one configuration key, e.g. --set gateway.request_timeout=5s]:KEY=VALUE:_default' \
'--state-dir=[State dir\: pids, logs, data, keys, secrets and the control socket]:DIR:_files' \
'-o+[Output format of queries]:OUTPUT:((table\:"Aligned columns for people"
json\:"JSON for scripts (JSON lines when streaming)"))' \
'--output=[Output format of queries]:OUTPUT:((table\:"Aligned columns for people"
json\:"JSON for scripts (JSON lines when streaming)"))' \
'--color=[Color\: auto (terminal and no NO_COLOR), always, never]:COLOR:(auto always never)' \
'-q[Print only what scripts need (errors still go to stderr)]' \
'--quiet[Print only what scripts need (errors still go to stderr)]' \
'-h[Print help (see more with '\''--help'\'')]' \
'--help[Print help (see more with '\''--help'\'')]' \
'-V[Print version]' \
'--version[Print version]' \
':id:_default' \
&& ret=0
;;
(bet)
_arguments "${_arguments_options[@]}" : \
'--player=[]:PLAYER:_default' \
'--on=[]:ON:_default' \
'--amount=[]:AMOUNT:_default' \
'--gateway=[Gateway base URL (default\: the configured gateway on 127.0.0.1)]:URL:_default' \
'--token=[Bearer token (default\: an admin token signed with the issuer key)]:TOKEN:_default' \
'-c+[Configuration file (default\: ./bitcraps.toml when present)]:FILE:_files' \
'--config=[Configuration file (default\: ./bitcraps.toml when present)]:FILE:_files' \
'*--set=[Override one configuration key, e.g. --set gateway.request_timeout=5s]:KEY=VALUE:_default' \
'--state-dir=[State dir\: pids, logs, data, keys, secrets and the control socket]:DIR:_files' \
'-o+[Output format of queries]:OUTPUT:((table\:"Aligned columns for people"
json\:"JSON for scripts (JSON lines when streaming)"))' \
'--output=[Output format of queries]:OUTPUT:((table\:"Aligned columns for people"
json\:"JSON for scripts (JSON lines when streaming)"))' \
'--color=[Color\: auto (terminal and no NO_COLOR), always, never]:COLOR:(auto always never)' \
'-q[Print only what scripts need (errors still go to stderr)]' \
'--quiet[Print only what scripts need (errors still go to stderr)]' \
'-h[Print help (see more with '\''--help'\'')]' \
'--help[Print help (see more with '\''--help'\'')]' \
'-V[Print version]' \
'--version[Print version]' \
':id:_default' \
&& ret=0
;;
(roll)
_arguments "${_arguments_options[@]}" : \
'--player=[]:PLAYER:_default' \
'--gateway=[Gateway base URL (default\: the configured gateway on 127.0.0.1)]:URL:_default' \
'--token=[Bearer token (default\: an admin token signed with the issuer key)]:TOKEN:_default' \
'-c+[Configuration file (default\: ./bitcraps.toml when present)]:FILE:_files' \
'--config=[Configuration file (default\: ./bitcraps.toml when present)]:FILE:_files' \
'*--set=[Override one configuration key, e.g. --set gateway.request_timeout=5s]:KEY=VALUE:_default' \
'--state-dir=[State dir\: pids, logs, data, keys, secrets and the control socket]:DIR:_files' \
'-o+[Output format of queries]:OUTPUT:((table\:"Aligned columns for people"
json\:"JSON for scripts (JSON lines when streaming)"))' \
'--output=[Output format of queries]:OUTPUT:((table\:"Aligned columns for people"
json\:"JSON for scripts (JSON lines when streaming)"))' \
'--color=[Color\: auto (terminal and no NO_COLOR), always, never]:COLOR:(auto always never)' \
'-q[Print only what scripts need (errors still go to stderr)]' \
'--quiet[Print only what scripts need (errors still go to stderr)]' \
'-h[Print help (see more with '\''--help'\'')]' \
'--help[Print help (see more with '\''--help'\'')]' \
'-V[Print version]' \
'--version[Print version]' \
':id:_default' \
&& ret=0
;;
(act)
_arguments "${_arguments_options[@]}" : \
'--player=[]:PLAYER:_default' \
'--gateway=[Gateway base URL (default\: the configured gateway on 127.0.0.1)]:URL:_default' \
'--token=[Bearer token (default\: an admin token signed with the issuer key)]:TOKEN:_default' \
'-c+[Configuration file (default\: ./bitcraps.toml when present)]:FILE:_files' \
'--config=[Configuration file (default\: ./bitcraps.toml when present)]:FILE:_files' \
'*--set=[Override one configuration key, e.g. --set gateway.request_timeout=5s]:KEY=VALUE:_default' \
'--state-dir=[State dir\: pids, logs, data, keys, secrets and the control socket]:DIR:_files' \
'-o+[Output format of queries]:OUTPUT:((table\:"Aligned columns for people"
json\:"JSON for scripts (JSON lines when streaming)"))' \
'--output=[Output format of queries]:OUTPUT:((table\:"Aligned columns for people"
json\:"JSON for scripts (JSON lines when streaming)"))' \
'--color=[Color\: auto (terminal and no NO_COLOR), always, never]:COLOR:(auto always never)' \
'-q[Print only what scripts need (errors still go to stderr)]' \
'--quiet[Print only what scripts need (errors still go to stderr)]' \
'-h[Print help (see more with '\''--help'\'')]' \
'--help[Print help (see more with '\''--help'\'')]' \
'-V[Print version]' \
'--version[Print version]' \
':id:_default' \
'*::action -- The action word, then its amount where it takes one:_default' \
&& ret=0
;;
(verify)
_arguments "${_arguments_options[@]}" : \
'--round=[Check one round of a chain game alone (its link, contributions, draws and every payout); by default every round that has ended]:ROUND:_default' \
'--genesis=[The chain'\''s genesis, to check the validators'\'' certificates on the anchoring blocks (default\: the state dir'\''s genesis.json)]:FILE:_files' \
'--gateway=[Gateway base URL (default\: the configured gateway on 127.0.0.1)]:URL:_default' \
'--token=[Bearer token (default\: an admin token signed with the issuer key)]:TOKEN:_default' \
'-c+[Configuration file (default\: ./bitcraps.toml when present)]:FILE:_files' \
'--config=[Configuration file (default\: ./bitcraps.toml when present)]:FILE:_files' \
'*--set=[Override one configuration key, e.g. --set gateway.request_timeout=5s]:KEY=VALUE:_default' \
'--state-dir=[State dir\: pids, logs, data, keys, secrets and the control socket]:DIR:_files' \
'-o+[Output format of queries]:OUTPUT:((table\:"Aligned columns for people"
json\:"JSON for scripts (JSON lines when streaming)"))' \
'--output=[Output format of queries]:OUTPUT:((table\:"Aligned columns for people"
json\:"JSON for scripts (JSON lines when streaming)"))' \
'--color=[Color\: auto (terminal and no NO_COLOR), always, never]:COLOR:(auto always never)' \
'-q[Print only what scripts need (errors still go to stderr)]' \
'--quiet[Print only what scripts need (errors still go to stderr)]' \
'-h[Print help (see more with '\''--help'\'')]' \
'--help[Print help (see more with '\''--help'\'')]' \
'-V[Print version]' \
'--version[Print version]' \
':id:_default' \
&& ret=0
;;
(help)
_arguments "${_arguments_options[@]}" : \
":: :_bitcraps__subcmd__game__subcmd__help_commands" \
"*::: :->help" \
&& ret=0

    case $state in
    (help)
        words=($line[1] "${words[@]}")
        (( CURRENT += 1 ))
        curcontext="${curcontext%:*:*}:bitcraps-game-help-command-$line[1]:"
        case $line[1] in
            (create)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(list)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(watch)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(show)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(bet)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(roll)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(act)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(verify)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(help)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
        esac
    ;;
esac
;;
        esac
    ;;
esac
;;
(consensus)
_arguments "${_arguments_options[@]}" : \
'-c+[Configuration file (default\: ./bitcraps.toml when present)]:FILE:_files' \
'--config=[Configuration file (default\: ./bitcraps.toml when present)]:FILE:_files' \
'*--set=[Override one configuration key, e.g. --set gateway.request_timeout=5s]:KEY=VALUE:_default' \
'--state-dir=[State dir\: pids, logs, data, keys, secrets and the control socket]:DIR:_files' \
'-o+[Output format of queries]:OUTPUT:((table\:"Aligned columns for people"
json\:"JSON for scripts (JSON lines when streaming)"))' \
'--output=[Output format of queries]:OUTPUT:((table\:"Aligned columns for people"
json\:"JSON for scripts (JSON lines when streaming)"))' \
'--color=[Color\: auto (terminal and no NO_COLOR), always, never]:COLOR:(auto always never)' \
'-q[Print only what scripts need (errors still go to stderr)]' \
'--quiet[Print only what scripts need (errors still go to stderr)]' \
'-h[Print help (see more with '\''--help'\'')]' \
'--help[Print help (see more with '\''--help'\'')]' \
'-V[Print version]' \
'--version[Print version]' \
":: :_bitcraps__subcmd__consensus_commands" \
"*::: :->consensus" \
&& ret=0

    case $state in
    (consensus)
        words=($line[1] "${words[@]}")
        (( CURRENT += 1 ))
        curcontext="${curcontext%:*:*}:bitcraps-consensus-command-$line[1]:"
        case $line[1] in
            (propose)
_arguments "${_arguments_options[@]}" : \
'--gateway=[Gateway base URL (default\: the configured gateway on 127.0.0.1)]:URL:_default' \
'--token=[Bearer token (default\: an admin token signed with the issuer key)]:TOKEN:_default' \
'-c+[Configuration file (default\: ./bitcraps.toml when present)]:FILE:_files' \
'--config=[Configuration file (default\: ./bitcraps.toml when present)]:FILE:_files' \
'*--set=[Override one configuration key, e.g. --set gateway.request_timeout=5s]:KEY=VALUE:_default' \
'--state-dir=[State dir\: pids, logs, data, keys, secrets and the control socket]:DIR:_files' \
'-o+[Output format of queries]:OUTPUT:((table\:"Aligned columns for people"
json\:"JSON for scripts (JSON lines when streaming)"))' \
'--output=[Output format of queries]:OUTPUT:((table\:"Aligned columns for people"
json\:"JSON for scripts (JSON lines when streaming)"))' \
'--color=[Color\: auto (terminal and no NO_COLOR), always, never]:COLOR:(auto always never)' \
'--wait[Wait until it is committed and print the height, hash and QC]' \
'-q[Print only what scripts need (errors still go to stderr)]' \
'--quiet[Print only what scripts need (errors still go to stderr)]' \
'-h[Print help (see more with '\''--help'\'')]' \
'--help[Print help (see more with '\''--help'\'')]' \
'-V[Print version]' \
'--version[Print version]' \
':payload -- The payload, as JSON (a bare word is sent as a string):_default' \
&& ret=0
;;
(status)
_arguments "${_arguments_options[@]}" : \
'--gateway=[Gateway base URL (default\: the configured gateway on 127.0.0.1)]:URL:_default' \
'--token=[Bearer token (default\: an admin token signed with the issuer key)]:TOKEN:_default' \
'-c+[Configuration file (default\: ./bitcraps.toml when present)]:FILE:_files' \
'--config=[Configuration file (default\: ./bitcraps.toml when present)]:FILE:_files' \
'*--set=[Override one configuration key, e.g. --set gateway.request_timeout=5s]:KEY=VALUE:_default' \
'--state-dir=[State dir\: pids, logs, data, keys, secrets and the control socket]:DIR:_files' \
'-o+[Output format of queries]:OUTPUT:((table\:"Aligned columns for people"
json\:"JSON for scripts (JSON lines when streaming)"))' \
'--output=[Output format of queries]:OUTPUT:((table\:"Aligned columns for people"
json\:"JSON for scripts (JSON lines when streaming)"))' \
'--color=[Color\: auto (terminal and no NO_COLOR), always, never]:COLOR:(auto always never)' \
'-q[Print only what scripts need (errors still go to stderr)]' \
'--quiet[Print only what scripts need (errors still go to stderr)]' \
'-h[Print help (see more with '\''--help'\'')]' \
'--help[Print help (see more with '\''--help'\'')]' \
'-V[Print version]' \
'--version[Print version]' \
&& ret=0
;;
(blocks)
_arguments "${_arguments_options[@]}" : \
'--from=[First height (default\: the last 10)]:H:_default' \
'--limit=[Most blocks to print]:LIMIT:_default' \
'--gateway=[Gateway base URL (default\: the configured gateway on 127.0.0.1)]:URL:_default' \
'--token=[Bearer token (default\: an admin token signed with the issuer key)]:TOKEN:_default' \
'-c+[Configuration file (default\: ./bitcraps.toml when present)]:FILE:_files' \
'--config=[Configuration file (default\: ./bitcraps.toml when present)]:FILE:_files' \
'*--set=[Override one configuration key, e.g. --set gateway.request_timeout=5s]:KEY=VALUE:_default' \
'--state-dir=[State dir\: pids, logs, data, keys, secrets and the control socket]:DIR:_files' \
'-o+[Output format of queries]:OUTPUT:((table\:"Aligned columns for people"
json\:"JSON for scripts (JSON lines when streaming)"))' \
'--output=[Output format of queries]:OUTPUT:((table\:"Aligned columns for people"
json\:"JSON for scripts (JSON lines when streaming)"))' \
'--color=[Color\: auto (terminal and no NO_COLOR), always, never]:COLOR:(auto always never)' \
'-q[Print only what scripts need (errors still go to stderr)]' \
'--quiet[Print only what scripts need (errors still go to stderr)]' \
'-h[Print help (see more with '\''--help'\'')]' \
'--help[Print help (see more with '\''--help'\'')]' \
'-V[Print version]' \
'--version[Print version]' \
&& ret=0
;;
(evidence)
_arguments "${_arguments_options[@]}" : \
'--gateway=[Gateway base URL (default\: the configured gateway on 127.0.0.1)]:URL:_default' \
'--token=[Bearer token (default\: an admin token signed with the issuer key)]:TOKEN:_default' \
'-c+[Configuration file (default\: ./bitcraps.toml when present)]:FILE:_files' \
'--config=[Configuration file (default\: ./bitcraps.toml when present)]:FILE:_files' \
'*--set=[Override one configuration key, e.g. --set gateway.request_timeout=5s]:KEY=VALUE:_default' \
'--state-dir=[State dir\: pids, logs, data, keys, secrets and the control socket]:DIR:_files' \
'-o+[Output format of queries]:OUTPUT:((table\:"Aligned columns for people"
json\:"JSON for scripts (JSON lines when streaming)"))' \
'--output=[Output format of queries]:OUTPUT:((table\:"Aligned columns for people"
json\:"JSON for scripts (JSON lines when streaming)"))' \
'--color=[Color\: auto (terminal and no NO_COLOR), always, never]:COLOR:(auto always never)' \
'-q[Print only what scripts need (errors still go to stderr)]' \
'--quiet[Print only what scripts need (errors still go to stderr)]' \
'-h[Print help (see more with '\''--help'\'')]' \
'--help[Print help (see more with '\''--help'\'')]' \
'-V[Print version]' \
'--version[Print version]' \
&& ret=0
;;
(validators)
_arguments "${_arguments_options[@]}" : \
'-c+[Configuration file (default\: ./bitcraps.toml when present)]:FILE:_files' \
'--config=[Configuration file (default\: ./bitcraps.toml when present)]:FILE:_files' \
'*--set=[Override one configuration key, e.g. --set gateway.request_timeout=5s]:KEY=VALUE:_default' \
'--state-dir=[State dir\: pids, logs, data, keys, secrets and the control socket]:DIR:_files' \
'-o+[Output format of queries]:OUTPUT:((table\:"Aligned columns for people"
json\:"JSON for scripts (JSON lines when streaming)"))' \
'--output=[Output format of queries]:OUTPUT:((table\:"Aligned columns for people"
json\:"JSON for scripts (JSON lines when streaming)"))' \
'--color=[Color\: auto (terminal and no NO_COLOR), always, never]:COLOR:(auto always never)' \
'-q[Print only what scripts need (errors still go to stderr)]' \
'--quiet[Print only what scripts need (errors still go to stderr)]' \
'-h[Print help (see more with '\''--help'\'')]' \
'--help[Print help (see more with '\''--help'\'')]' \
'-V[Print version]' \
'--version[Print version]' \
":: :_bitcraps__subcmd__consensus__subcmd__validators_commands" \
"*::: :->validators" \
&& ret=0

    case $state in
    (validators)
        words=($line[1] "${words[@]}")
        (( CURRENT += 1 ))
        curcontext="${curcontext%:*:*}:bitcraps-consensus-validators-command-$line[1]:"
        case $line[1] in
            (list)
_arguments "${_arguments_options[@]}" : \
'--gateway=[Gateway base URL (default\: the configured gateway on 127.0.0.1)]:URL:_default' \
'--token=[Bearer token (default\: an admin token signed with the issuer key)]:TOKEN:_default' \
'-c+[Configuration file (default\: ./bitcraps.toml when present)]:FILE:_files' \
'--config=[Configuration file (default\: ./bitcraps.toml when present)]:FILE:_files' \
'*--set=[Override one configuration key, e.g. --set gateway.request_timeout=5s]:KEY=VALUE:_default' \
'--state-dir=[State dir\: pids, logs, data, keys, secrets and the control socket]:DIR:_files' \
'-o+[Output format of queries]:OUTPUT:((table\:"Aligned columns for people"
json\:"JSON for scripts (JSON lines when streaming)"))' \
'--output=[Output format of queries]:OUTPUT:((table\:"Aligned columns for people"
json\:"JSON for scripts (JSON lines when streaming)"))' \
'--color=[Color\: auto (terminal and no NO_COLOR), always, never]:COLOR:(auto always never)' \
'-q[Print only what scripts need (errors still go to stderr)]' \
'--quiet[Print only what scripts need (errors still go to stderr)]' \
'-h[Print help (see more with '\''--help'\'')]' \
'--help[Print help (see more with '\''--help'\'')]' \
'-V[Print version]' \
'--version[Print version]' \
&& ret=0
;;
(add)
_arguments "${_arguments_options[@]}" : \
'--public-key=[Its ed25519 public key, hex (see \`bitcraps keys generate\`)]:PUBLIC_KEY:_default' \
'--power=[]:POWER:_default' \
'--address=[host\:port where its peers reach it (not needed for validators the configuration already knows)]:ADDRESS:_default' \
'--governance-key=[The governance key file (hex ed25519 seed) the genesis names \[default\: <state-dir>/keys/governance.key\]]:FILE:_files' \
'--gateway=[Gateway base URL (default\: the configured gateway on 127.0.0.1)]:URL:_default' \
'--token=[Bearer token (default\: an admin token signed with the issuer key)]:TOKEN:_default' \
'-c+[Configuration file (default\: ./bitcraps.toml when present)]:FILE:_files' \
'--config=[Configuration file (default\: ./bitcraps.toml when present)]:FILE:_files' \
'*--set=[Override one configuration key, e.g. --set gateway.request_timeout=5s]:KEY=VALUE:_default' \
'--state-dir=[State dir\: pids, logs, data, keys, secrets and the control socket]:DIR:_files' \
'-o+[Output format of queries]:OUTPUT:((table\:"Aligned columns for people"
json\:"JSON for scripts (JSON lines when streaming)"))' \
'--output=[Output format of queries]:OUTPUT:((table\:"Aligned columns for people"
json\:"JSON for scripts (JSON lines when streaming)"))' \
'--color=[Color\: auto (terminal and no NO_COLOR), always, never]:COLOR:(auto always never)' \
'-q[Print only what scripts need (errors still go to stderr)]' \
'--quiet[Print only what scripts need (errors still go to stderr)]' \
'-h[Print help (see more with '\''--help'\'')]' \
'--help[Print help (see more with '\''--help'\'')]' \
'-V[Print version]' \
'--version[Print version]' \
':id -- Its id, e.g. validator-4:_default' \
&& ret=0
;;
(remove)
_arguments "${_arguments_options[@]}" : \
'--governance-key=[The governance key file (hex ed25519 seed) the genesis names \[default\: <state-dir>/keys/governance.key\]]:FILE:_files' \
'--gateway=[Gateway base URL (default\: the configured gateway on 127.0.0.1)]:URL:_default' \
'--token=[Bearer token (default\: an admin token signed with the issuer key)]:TOKEN:_default' \
'-c+[Configuration file (default\: ./bitcraps.toml when present)]:FILE:_files' \
'--config=[Configuration file (default\: ./bitcraps.toml when present)]:FILE:_files' \
'*--set=[Override one configuration key, e.g. --set gateway.request_timeout=5s]:KEY=VALUE:_default' \
'--state-dir=[State dir\: pids, logs, data, keys, secrets and the control socket]:DIR:_files' \
'-o+[Output format of queries]:OUTPUT:((table\:"Aligned columns for people"
json\:"JSON for scripts (JSON lines when streaming)"))' \
'--output=[Output format of queries]:OUTPUT:((table\:"Aligned columns for people"
json\:"JSON for scripts (JSON lines when streaming)"))' \
'--color=[Color\: auto (terminal and no NO_COLOR), always, never]:COLOR:(auto always never)' \
'-q[Print only what scripts need (errors still go to stderr)]' \
'--quiet[Print only what scripts need (errors still go to stderr)]' \
'-h[Print help (see more with '\''--help'\'')]' \
'--help[Print help (see more with '\''--help'\'')]' \
'-V[Print version]' \
'--version[Print version]' \
':id:_default' \
&& ret=0
;;
(set-power)
_arguments "${_arguments_options[@]}" : \
'--governance-key=[The governance key file (hex ed25519 seed) the genesis names \[default\: <state-dir>/keys/governance.key\]]:FILE:_files' \
'--gateway=[Gateway base URL (default\: the configured gateway on 127.0.0.1)]:URL:_default' \
'--token=[Bearer token (default\: an admin token signed with the issuer key)]:TOKEN:_default' \
'-c+[Configuration file (default\: ./bitcraps.toml when present)]:FILE:_files' \
'--config=[Configuration file (default\: ./bitcraps.toml when present)]:FILE:_files' \
'*--set=[Override one configuration key, e.g. --set gateway.request_timeout=5s]:KEY=VALUE:_default' \
'--state-dir=[State dir\: pids, logs, data, keys, secrets and the control socket]:DIR:_files' \
'-o+[Output format of queries]:OUTPUT:((table\:"Aligned columns for people"
json\:"JSON for scripts (JSON lines when streaming)"))' \
'--output=[Output format of queries]:OUTPUT:((table\:"Aligned columns for people"
json\:"JSON for scripts (JSON lines when streaming)"))' \
'--color=[Color\: auto (terminal and no NO_COLOR), always, never]:COLOR:(auto always never)' \
'-q[Print only what scripts need (errors still go to stderr)]' \
'--quiet[Print only what scripts need (errors still go to stderr)]' \
'-h[Print help (see more with '\''--help'\'')]' \
'--help[Print help (see more with '\''--help'\'')]' \
'-V[Print version]' \
'--version[Print version]' \
':id:_default' \
':power:_default' \
&& ret=0
;;
(help)
_arguments "${_arguments_options[@]}" : \
":: :_bitcraps__subcmd__consensus__subcmd__validators__subcmd__help_commands" \
"*::: :->help" \
&& ret=0

    case $state in
    (help)
        words=($line[1] "${words[@]}")
        (( CURRENT += 1 ))
        curcontext="${curcontext%:*:*}:bitcraps-consensus-validators-help-command-$line[1]:"
        case $line[1] in
            (list)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(add)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(remove)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(set-power)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(help)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
        esac
    ;;
esac
;;
        esac
    ;;
esac
;;
(vote)
_arguments "${_arguments_options[@]}" : \
'--key=[The validator'\''s secret key file (hex), e.g. <state>/keys/validator-0.key]:FILE:_files' \
'--height=[]:HEIGHT:_default' \
'--view=[View (PBFT, HotStuff) or round (Tendermint)]:VIEW:_default' \
'--phase=[prepare, commit, view_change, prevote, precommit, generic, timeout]:PHASE:_default' \
'--block-hash=[Hex of the 32-byte block hash (64 zeros for nil)]:BLOCK_HASH:_default' \
'--gateway=[Gateway base URL (default\: the configured gateway on 127.0.0.1)]:URL:_default' \
'--token=[Bearer token (default\: an admin token signed with the issuer key)]:TOKEN:_default' \
'-c+[Configuration file (default\: ./bitcraps.toml when present)]:FILE:_files' \
'--config=[Configuration file (default\: ./bitcraps.toml when present)]:FILE:_files' \
'*--set=[Override one configuration key, e.g. --set gateway.request_timeout=5s]:KEY=VALUE:_default' \
'--state-dir=[State dir\: pids, logs, data, keys, secrets and the control socket]:DIR:_files' \
'-o+[Output format of queries]:OUTPUT:((table\:"Aligned columns for people"
json\:"JSON for scripts (JSON lines when streaming)"))' \
'--output=[Output format of queries]:OUTPUT:((table\:"Aligned columns for people"
json\:"JSON for scripts (JSON lines when streaming)"))' \
'--color=[Color\: auto (terminal and no NO_COLOR), always, never]:COLOR:(auto always never)' \
'-q[Print only what scripts need (errors still go to stderr)]' \
'--quiet[Print only what scripts need (errors still go to stderr)]' \
'-h[Print help (see more with '\''--help'\'')]' \
'--help[Print help (see more with '\''--help'\'')]' \
'-V[Print version]' \
'--version[Print version]' \
&& ret=0
;;
(verify)
_arguments "${_arguments_options[@]}" : \
'--height=[]:HEIGHT:_default' \
'--genesis=[The genesis to trust (default\: the state dir'\''s genesis.json)]:FILE:_files' \
'--gateway=[Gateway base URL (default\: the configured gateway on 127.0.0.1)]:URL:_default' \
'--token=[Bearer token (default\: an admin token signed with the issuer key)]:TOKEN:_default' \
'-c+[Configuration file (default\: ./bitcraps.toml when present)]:FILE:_files' \
'--config=[Configuration file (default\: ./bitcraps.toml when present)]:FILE:_files' \
'*--set=[Override one configuration key, e.g. --set gateway.request_timeout=5s]:KEY=VALUE:_default' \
'--state-dir=[State dir\: pids, logs, data, keys, secrets and the control socket]:DIR:_files' \
'-o+[Output format of queries]:OUTPUT:((table\:"Aligned columns for people"
json\:"JSON for scripts (JSON lines when streaming)"))' \
'--output=[Output format of queries]:OUTPUT:((table\:"Aligned columns for people"
json\:"JSON for scripts (JSON lines when streaming)"))' \
'--color=[Color\: auto (terminal and no NO_COLOR), always, never]:COLOR:(auto always never)' \
'-q[Print only what scripts need (errors still go to stderr)]' \
'--quiet[Print only what scripts need (errors still go to stderr)]' \
'-h[Print help (see more with '\''--help'\'')]' \
'--help[Print help (see more with '\''--help'\'')]' \
'-V[Print version]' \
'--version[Print version]' \
&& ret=0
;;
(help)
_arguments "${_arguments_options[@]}" : \
":: :_bitcraps__subcmd__consensus__subcmd__help_commands" \
"*::: :->help" \
&& ret=0

    case $state in
    (help)
        words=($line[1] "${words[@]}")
        (( CURRENT += 1 ))
        curcontext="${curcontext%:*:*}:bitcraps-consensus-help-command-$line[1]:"
        case $line[1] in
            (propose)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(status)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(blocks)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(evidence)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(validators)
_arguments "${_arguments_options[@]}" : \
":: :_bitcraps__subcmd__consensus__subcmd__help__subcmd__validators_commands" \
"*::: :->validators" \
&& ret=0

    case $state in
    (validators)
        words=($line[1] "${words[@]}")
        (( CURRENT += 1 ))
        curcontext="${curcontext%:*:*}:bitcraps-consensus-help-validators-command-$line[1]:"
        case $line[1] in
            (list)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(add)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(remove)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(set-power)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
        esac
    ;;
esac
;;
(vote)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(verify)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(help)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
        esac
    ;;
esac
;;
        esac
    ;;
esac
;;
(wallet)
_arguments "${_arguments_options[@]}" : \
'-c+[Configuration file (default\: ./bitcraps.toml when present)]:FILE:_files' \
'--config=[Configuration file (default\: ./bitcraps.toml when present)]:FILE:_files' \
'*--set=[Override one configuration key, e.g. --set gateway.request_timeout=5s]:KEY=VALUE:_default' \
'--state-dir=[State dir\: pids, logs, data, keys, secrets and the control socket]:DIR:_files' \
'-o+[Output format of queries]:OUTPUT:((table\:"Aligned columns for people"
json\:"JSON for scripts (JSON lines when streaming)"))' \
'--output=[Output format of queries]:OUTPUT:((table\:"Aligned columns for people"
json\:"JSON for scripts (JSON lines when streaming)"))' \
'--color=[Color\: auto (terminal and no NO_COLOR), always, never]:COLOR:(auto always never)' \
'-q[Print only what scripts need (errors still go to stderr)]' \
'--quiet[Print only what scripts need (errors still go to stderr)]' \
'-h[Print help (see more with '\''--help'\'')]' \
'--help[Print help (see more with '\''--help'\'')]' \
'-V[Print version]' \
'--version[Print version]' \
":: :_bitcraps__subcmd__wallet_commands" \
"*::: :->wallet" \
&& ret=0

    case $state in
    (wallet)
        words=($line[1] "${words[@]}")
        (( CURRENT += 1 ))
        curcontext="${curcontext%:*:*}:bitcraps-wallet-command-$line[1]:"
        case $line[1] in
            (deposit)
_arguments "${_arguments_options[@]}" : \
'--id=[The transfer'\''s id (default\: a fresh one, printed). Running the same command again with the same --id applies it at most once]:ID:_default' \
'--memo=[A note stored with the transfer (at most 256 bytes)]:TEXT:_default' \
'--gateway=[Gateway base URL (default\: the configured gateway on 127.0.0.1)]:URL:_default' \
'--token=[Bearer token (default\: an admin token signed with the issuer key)]:TOKEN:_default' \
'--wallet-url=[Talk to a wallet directly at this base URL (e.g. http\://127.0.0.1\:8090) instead of through the gateway]:URL:_default' \
'-c+[Configuration file (default\: ./bitcraps.toml when present)]:FILE:_files' \
'--config=[Configuration file (default\: ./bitcraps.toml when present)]:FILE:_files' \
'*--set=[Override one configuration key, e.g. --set gateway.request_timeout=5s]:KEY=VALUE:_default' \
'--state-dir=[State dir\: pids, logs, data, keys, secrets and the control socket]:DIR:_files' \
'-o+[Output format of queries]:OUTPUT:((table\:"Aligned columns for people"
json\:"JSON for scripts (JSON lines when streaming)"))' \
'--output=[Output format of queries]:OUTPUT:((table\:"Aligned columns for people"
json\:"JSON for scripts (JSON lines when streaming)"))' \
'--color=[Color\: auto (terminal and no NO_COLOR), always, never]:COLOR:(auto always never)' \
'-q[Print only what scripts need (errors still go to stderr)]' \
'--quiet[Print only what scripts need (errors still go to stderr)]' \
'-h[Print help (see more with '\''--help'\'')]' \
'--help[Print help (see more with '\''--help'\'')]' \
'-V[Print version]' \
'--version[Print version]' \
':account -- `alice` (meaning player\:alice), or a full id\: player\:NAME, table\:GAME, house:_default' \
':amount:_default' \
&& ret=0
;;
(withdraw)
_arguments "${_arguments_options[@]}" : \
'--id=[The transfer'\''s id (default\: a fresh one, printed). Running the same command again with the same --id applies it at most once]:ID:_default' \
'--memo=[A note stored with the transfer (at most 256 bytes)]:TEXT:_default' \
'--gateway=[Gateway base URL (default\: the configured gateway on 127.0.0.1)]:URL:_default' \
'--token=[Bearer token (default\: an admin token signed with the issuer key)]:TOKEN:_default' \
'--wallet-url=[Talk to a wallet directly at this base URL (e.g. http\://127.0.0.1\:8090) instead of through the gateway]:URL:_default' \
'-c+[Configuration file (default\: ./bitcraps.toml when present)]:FILE:_files' \
'--config=[Configuration file (default\: ./bitcraps.toml when present)]:FILE:_files' \
'*--set=[Override one configuration key, e.g. --set gateway.request_timeout=5s]:KEY=VALUE:_default' \
'--state-dir=[State dir\: pids, logs, data, keys, secrets and the control socket]:DIR:_files' \
'-o+[Output format of queries]:OUTPUT:((table\:"Aligned columns for people"
json\:"JSON for scripts (JSON lines when streaming)"))' \
'--output=[Output format of queries]:OUTPUT:((table\:"Aligned columns for people"
json\:"JSON for scripts (JSON lines when streaming)"))' \
'--color=[Color\: auto (terminal and no NO_COLOR), always, never]:COLOR:(auto always never)' \
'-q[Print only what scripts need (errors still go to stderr)]' \
'--quiet[Print only what scripts need (errors still go to stderr)]' \
'-h[Print help (see more with '\''--help'\'')]' \
'--help[Print help (see more with '\''--help'\'')]' \
'-V[Print version]' \
'--version[Print version]' \
':account -- `alice` (meaning player\:alice), or a full id:_default' \
':amount:_default' \
&& ret=0
;;
(transfer)
_arguments "${_arguments_options[@]}" : \
'--id=[The transfer'\''s id (default\: a fresh one, printed). Running the same command again with the same --id applies it at most once]:ID:_default' \
'--memo=[A note stored with the transfer (at most 256 bytes)]:TEXT:_default' \
'--gateway=[Gateway base URL (default\: the configured gateway on 127.0.0.1)]:URL:_default' \
'--token=[Bearer token (default\: an admin token signed with the issuer key)]:TOKEN:_default' \
'--wallet-url=[Talk to a wallet directly at this base URL (e.g. http\://127.0.0.1\:8090) instead of through the gateway]:URL:_default' \
'-c+[Configuration file (default\: ./bitcraps.toml when present)]:FILE:_files' \
'--config=[Configuration file (default\: ./bitcraps.toml when present)]:FILE:_files' \
'*--set=[Override one configuration key, e.g. --set gateway.request_timeout=5s]:KEY=VALUE:_default' \
'--state-dir=[State dir\: pids, logs, data, keys, secrets and the control socket]:DIR:_files' \
'-o+[Output format of queries]:OUTPUT:((table\:"Aligned columns for people"
json\:"JSON for scripts (JSON lines when streaming)"))' \
'--output=[Output format of queries]:OUTPUT:((table\:"Aligned columns for people"
json\:"JSON for scripts (JSON lines when streaming)"))' \
'--color=[Color\: auto (terminal and no NO_COLOR), always, never]:COLOR:(auto always never)' \
'-q[Print only what scripts need (errors still go to stderr)]' \
'--quiet[Print only what scripts need (errors still go to stderr)]' \
'-h[Print help (see more with '\''--help'\'')]' \
'--help[Print help (see more with '\''--help'\'')]' \
'-V[Print version]' \
'--version[Print version]' \
':from -- `alice` (meaning player\:alice), or a full id:_default' \
':to:_default' \
':amount:_default' \
&& ret=0
;;
(balance)
_arguments "${_arguments_options[@]}" : \
'--after=[When listing\: only accounts whose id sorts after this one]:ACCOUNT:_default' \
'--limit=[When listing\: at most N accounts (default\: all)]:N:_default' \
'--gateway=[Gateway base URL (default\: the configured gateway on 127.0.0.1)]:URL:_default' \
'--token=[Bearer token (default\: an admin token signed with the issuer key)]:TOKEN:_default' \
'--wallet-url=[Talk to a wallet directly at this base URL (e.g. http\://127.0.0.1\:8090) instead of through the gateway]:URL:_default' \
'-c+[Configuration file (default\: ./bitcraps.toml when present)]:FILE:_files' \
'--config=[Configuration file (default\: ./bitcraps.toml when present)]:FILE:_files' \
'*--set=[Override one configuration key, e.g. --set gateway.request_timeout=5s]:KEY=VALUE:_default' \
'--state-dir=[State dir\: pids, logs, data, keys, secrets and the control socket]:DIR:_files' \
'-o+[Output format of queries]:OUTPUT:((table\:"Aligned columns for people"
json\:"JSON for scripts (JSON lines when streaming)"))' \
'--output=[Output format of queries]:OUTPUT:((table\:"Aligned columns for people"
json\:"JSON for scripts (JSON lines when streaming)"))' \
'--color=[Color\: auto (terminal and no NO_COLOR), always, never]:COLOR:(auto always never)' \
'-q[Print only what scripts need (errors still go to stderr)]' \
'--quiet[Print only what scripts need (errors still go to stderr)]' \
'-h[Print help (see more with '\''--help'\'')]' \
'--help[Print help (see more with '\''--help'\'')]' \
'-V[Print version]' \
'--version[Print version]' \
'::account:_default' \
&& ret=0
;;
(history)
_arguments "${_arguments_options[@]}" : \
'--after=[Only transfers after this sequence number]:SEQ:_default' \
'--limit=[At most N transfers (default\: all)]:N:_default' \
'--gateway=[Gateway base URL (default\: the configured gateway on 127.0.0.1)]:URL:_default' \
'--token=[Bearer token (default\: an admin token signed with the issuer key)]:TOKEN:_default' \
'--wallet-url=[Talk to a wallet directly at this base URL (e.g. http\://127.0.0.1\:8090) instead of through the gateway]:URL:_default' \
'-c+[Configuration file (default\: ./bitcraps.toml when present)]:FILE:_files' \
'--config=[Configuration file (default\: ./bitcraps.toml when present)]:FILE:_files' \
'*--set=[Override one configuration key, e.g. --set gateway.request_timeout=5s]:KEY=VALUE:_default' \
'--state-dir=[State dir\: pids, logs, data, keys, secrets and the control socket]:DIR:_files' \
'-o+[Output format of queries]:OUTPUT:((table\:"Aligned columns for people"
json\:"JSON for scripts (JSON lines when streaming)"))' \
'--output=[Output format of queries]:OUTPUT:((table\:"Aligned columns for people"
json\:"JSON for scripts (JSON lines when streaming)"))' \
'--color=[Color\: auto (terminal and no NO_COLOR), always, never]:COLOR:(auto always never)' \
'-q[Print only what scripts need (errors still go to stderr)]' \
'--quiet[Print only what scripts need (errors still go to stderr)]' \
'-h[Print help (see more with '\''--help'\'')]' \
'--help[Print help (see more with '\''--help'\'')]' \
'-V[Print version]' \
'--version[Print version]' \
'::account:_default' \
&& ret=0
;;
(audit)
_arguments "${_arguments_options[@]}" : \
'--export=[Also write the log to FILE as JSON lines, one transfer a line]:FILE:_files' \
'--gateway=[Gateway base URL (default\: the configured gateway on 127.0.0.1)]:URL:_default' \
'--token=[Bearer token (default\: an admin token signed with the issuer key)]:TOKEN:_default' \
'--wallet-url=[Talk to a wallet directly at this base URL (e.g. http\://127.0.0.1\:8090) instead of through the gateway]:URL:_default' \
'-c+[Configuration file (default\: ./bitcraps.toml when present)]:FILE:_files' \
'--config=[Configuration file (default\: ./bitcraps.toml when present)]:FILE:_files' \
'*--set=[Override one configuration key, e.g. --set gateway.request_timeout=5s]:KEY=VALUE:_default' \
'--state-dir=[State dir\: pids, logs, data, keys, secrets and the control socket]:DIR:_files' \
'-o+[Output format of queries]:OUTPUT:((table\:"Aligned columns for people"
json\:"JSON for scripts (JSON lines when streaming)"))' \
'--output=[Output format of queries]:OUTPUT:((table\:"Aligned columns for people"
json\:"JSON for scripts (JSON lines when streaming)"))' \
'--color=[Color\: auto (terminal and no NO_COLOR), always, never]:COLOR:(auto always never)' \
'-q[Print only what scripts need (errors still go to stderr)]' \
'--quiet[Print only what scripts need (errors still go to stderr)]' \
'-h[Print help (see more with '\''--help'\'')]' \
'--help[Print help (see more with '\''--help'\'')]' \
'-V[Print version]' \
'--version[Print version]' \
&& ret=0
;;
(help)
_arguments "${_arguments_options[@]}" : \
":: :_bitcraps__subcmd__wallet__subcmd__help_commands" \
"*::: :->help" \
&& ret=0

    case $state in
    (help)
        words=($line[1] "${words[@]}")
        (( CURRENT += 1 ))
        curcontext="${curcontext%:*:*}:bitcraps-wallet-help-command-$line[1]:"
        case $line[1] in
            (deposit)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(withdraw)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(transfer)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(balance)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(history)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(audit)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(help)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
        esac
    ;;
esac
;;
        esac
    ;;
esac
;;
(keys)
_arguments "${_arguments_options[@]}" : \
'-c+[Configuration file (default\: ./bitcraps.toml when present)]:FILE:_files' \
'--config=[Configuration file (default\: ./bitcraps.toml when present)]:FILE:_files' \
'*--set=[Override one configuration key, e.g. --set gateway.request_timeout=5s]:KEY=VALUE:_default' \
'--state-dir=[State dir\: pids, logs, data, keys, secrets and the control socket]:DIR:_files' \
'-o+[Output format of queries]:OUTPUT:((table\:"Aligned columns for people"
json\:"JSON for scripts (JSON lines when streaming)"))' \
'--output=[Output format of queries]:OUTPUT:((table\:"Aligned columns for people"
json\:"JSON for scripts (JSON lines when streaming)"))' \
'--color=[Color\: auto (terminal and no NO_COLOR), always, never]:COLOR:(auto always never)' \
'-q[Print only what scripts need (errors still go to stderr)]' \
'--quiet[Print only what scripts need (errors still go to stderr)]' \
'-h[Print help (see more with '\''--help'\'')]' \
'--help[Print help (see more with '\''--help'\'')]' \
'-V[Print version]' \
'--version[Print version]' \
":: :_bitcraps__subcmd__keys_commands" \
"*::: :->keys" \
&& ret=0

    case $state in
    (keys)
        words=($line[1] "${words[@]}")
        (( CURRENT += 1 ))
        curcontext="${curcontext%:*:*}:bitcraps-keys-command-$line[1]:"
        case $line[1] in
            (generate)
_arguments "${_arguments_options[@]}" : \
'--out=[Write the secret seed here (mode 0600; never overwritten) and print only the public key. Without it the secret is printed]:FILE:_files' \
'-c+[Configuration file (default\: ./bitcraps.toml when present)]:FILE:_files' \
'--config=[Configuration file (default\: ./bitcraps.toml when present)]:FILE:_files' \
'*--set=[Override one configuration key, e.g. --set gateway.request_timeout=5s]:KEY=VALUE:_default' \
'--state-dir=[State dir\: pids, logs, data, keys, secrets and the control socket]:DIR:_files' \
'-o+[Output format of queries]:OUTPUT:((table\:"Aligned columns for people"
json\:"JSON for scripts (JSON lines when streaming)"))' \
'--output=[Output format of queries]:OUTPUT:((table\:"Aligned columns for people"
json\:"JSON for scripts (JSON lines when streaming)"))' \
'--color=[Color\: auto (terminal and no NO_COLOR), always, never]:COLOR:(auto always never)' \
'-q[Print only what scripts need (errors still go to stderr)]' \
'--quiet[Print only what scripts need (errors still go to stderr)]' \
'-h[Print help (see more with '\''--help'\'')]' \
'--help[Print help (see more with '\''--help'\'')]' \
'-V[Print version]' \
'--version[Print version]' \
&& ret=0
;;
(help)
_arguments "${_arguments_options[@]}" : \
":: :_bitcraps__subcmd__keys__subcmd__help_commands" \
"*::: :->help" \
&& ret=0

    case $state in
    (help)
        words=($line[1] "${words[@]}")
        (( CURRENT += 1 ))
        curcontext="${curcontext%:*:*}:bitcraps-keys-help-command-$line[1]:"
        case $line[1] in
            (generate)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(help)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
        esac
    ;;
esac
;;
        esac
    ;;
esac
;;
(bench)
_arguments "${_arguments_options[@]}" : \
'-c+[Configuration file (default\: ./bitcraps.toml when present)]:FILE:_files' \
'--config=[Configuration file (default\: ./bitcraps.toml when present)]:FILE:_files' \
'*--set=[Override one configuration key, e.g. --set gateway.request_timeout=5s]:KEY=VALUE:_default' \
'--state-dir=[State dir\: pids, logs, data, keys, secrets and the control socket]:DIR:_files' \
'-o+[Output format of queries]:OUTPUT:((table\:"Aligned columns for people"
json\:"JSON for scripts (JSON lines when streaming)"))' \
'--output=[Output format of queries]:OUTPUT:((table\:"Aligned columns for people"
json\:"JSON for scripts (JSON lines when streaming)"))' \
'--color=[Color\: auto (terminal and no NO_COLOR), always, never]:COLOR:(auto always never)' \
'-q[Print only what scripts need (errors still go to stderr)]' \
'--quiet[Print only what scripts need (errors still go to stderr)]' \
'-h[Print help (see more with '\''--help'\'')]' \
'--help[Print help (see more with '\''--help'\'')]' \
'-V[Print version]' \
'--version[Print version]' \
":: :_bitcraps__subcmd__bench_commands" \
"*::: :->bench" \
&& ret=0

    case $state in
    (bench)
        words=($line[1] "${words[@]}")
        (( CURRENT += 1 ))
        curcontext="${curcontext%:*:*}:bitcraps-bench-command-$line[1]:"
        case $line[1] in
            (engine)
_arguments "${_arguments_options[@]}" : \
'--addr=[Engine address (default\: the configured first engine)]:ADDR:_default' \
'--games=[Games the load runs on]:GAMES:_default' \
'--hold=[Extra idle games to create first, to measure memory per game (the engine needs MAX_CONCURRENT_GAMES above games + hold)]:HOLD:_default' \
'--hold-idle=[Wait this long after creating the held games before reading the engine'\''s memory again\: above the engine'\''s \`game_engine.stored_idle\`, it measures idle tables after they have left memory]:HOLD_IDLE:_default' \
'--concurrency=[Concurrent workers (connections)]:CONCURRENCY:_default' \
'--duration=[How long to run the action loop]:DURATION:_default' \
'--history=[Instead of the load\: play this many rolls (a field bet and a roll each, one after the other) on one new table and compare actions/s over its first and last tenth (at most 10,000 rolls each), to show whether an action costs more on a table with a long history]:ROLLS:_default' \
'-c+[Configuration file (default\: ./bitcraps.toml when present)]:FILE:_files' \
'--config=[Configuration file (default\: ./bitcraps.toml when present)]:FILE:_files' \
'*--set=[Override one configuration key, e.g. --set gateway.request_timeout=5s]:KEY=VALUE:_default' \
'--state-dir=[State dir\: pids, logs, data, keys, secrets and the control socket]:DIR:_files' \
'-o+[Output format of queries]:OUTPUT:((table\:"Aligned columns for people"
json\:"JSON for scripts (JSON lines when streaming)"))' \
'--output=[Output format of queries]:OUTPUT:((table\:"Aligned columns for people"
json\:"JSON for scripts (JSON lines when streaming)"))' \
'--color=[Color\: auto (terminal and no NO_COLOR), always, never]:COLOR:(auto always never)' \
'-q[Print only what scripts need (errors still go to stderr)]' \
'--quiet[Print only what scripts need (errors still go to stderr)]' \
'-h[Print help (see more with '\''--help'\'')]' \
'--help[Print help (see more with '\''--help'\'')]' \
'-V[Print version]' \
'--version[Print version]' \
&& ret=0
;;
(consensus)
_arguments "${_arguments_options[@]}" : \
'--concurrency=[Concurrent proposers (each waits for its commit, then proposes again)]:CONCURRENCY:_default' \
'--duration=[How long to run]:DURATION:_default' \
'-c+[Configuration file (default\: ./bitcraps.toml when present)]:FILE:_files' \
'--config=[Configuration file (default\: ./bitcraps.toml when present)]:FILE:_files' \
'*--set=[Override one configuration key, e.g. --set gateway.request_timeout=5s]:KEY=VALUE:_default' \
'--state-dir=[State dir\: pids, logs, data, keys, secrets and the control socket]:DIR:_files' \
'-o+[Output format of queries]:OUTPUT:((table\:"Aligned columns for people"
json\:"JSON for scripts (JSON lines when streaming)"))' \
'--output=[Output format of queries]:OUTPUT:((table\:"Aligned columns for people"
json\:"JSON for scripts (JSON lines when streaming)"))' \
'--color=[Color\: auto (terminal and no NO_COLOR), always, never]:COLOR:(auto always never)' \
'--kill-leader[Halfway through, kill -9 the current leader (needs \`bitcraps up\` on this state dir) and report how long commits stopped]' \
'-q[Print only what scripts need (errors still go to stderr)]' \
'--quiet[Print only what scripts need (errors still go to stderr)]' \
'-h[Print help (see more with '\''--help'\'')]' \
'--help[Print help (see more with '\''--help'\'')]' \
'-V[Print version]' \
'--version[Print version]' \
&& ret=0
;;
(gateway)
_arguments "${_arguments_options[@]}" : \
'--target=[Base URL the games API lives under (\`URL/games\`); \`/health\` is asked of the same host. Default\: the configured gateway'\''s \`/api/v1\`. Point it at an engine (\`http\://127.0.0.1\:8081\`) or a proxy to compare]:URL:_default' \
'--rate=[Open loop\: send N requests per second on a fixed schedule whatever the answers'\'' pace; latency counts from each request'\''s intended send time. Without it\: a closed loop to saturation]:N:_default' \
'--concurrency=[Closed loop\: workers, each sending its next request when the last is answered. Open loop\: the most requests in flight (later ones wait, and their wait counts)]:CONCURRENCY:_default' \
'--duration=[How long to send]:DURATION:_default' \
'--mix=[Operations and their weights\: health, list, create (then leave), get, bet (a field bet), roll]:MIX:_default' \
'--games=[Games (one player each) created before the run for get, bet and roll]:GAMES:_default' \
'--max-p95=[Exit 6 when the p95 latency is over this (e.g. 500ms)]:DURATION:_default' \
'--max-error-rate=[Exit 6 when errors / requests is over this (0.0-1.0, e.g. 0.01)]:RATE:_default' \
'--token=[Bearer token for every request; it must be an admin'\''s (players are named bench-N). Default\: a player token per player, minted from the configured or dev secret]:TOKEN:_default' \
'-c+[Configuration file (default\: ./bitcraps.toml when present)]:FILE:_files' \
'--config=[Configuration file (default\: ./bitcraps.toml when present)]:FILE:_files' \
'*--set=[Override one configuration key, e.g. --set gateway.request_timeout=5s]:KEY=VALUE:_default' \
'--state-dir=[State dir\: pids, logs, data, keys, secrets and the control socket]:DIR:_files' \
'-o+[Output format of queries]:OUTPUT:((table\:"Aligned columns for people"
json\:"JSON for scripts (JSON lines when streaming)"))' \
'--output=[Output format of queries]:OUTPUT:((table\:"Aligned columns for people"
json\:"JSON for scripts (JSON lines when streaming)"))' \
'--color=[Color\: auto (terminal and no NO_COLOR), always, never]:COLOR:(auto always never)' \
'-q[Print only what scripts need (errors still go to stderr)]' \
'--quiet[Print only what scripts need (errors still go to stderr)]' \
'-h[Print help (see more with '\''--help'\'')]' \
'--help[Print help (see more with '\''--help'\'')]' \
'-V[Print version]' \
'--version[Print version]' \
&& ret=0
;;
(wallet)
_arguments "${_arguments_options[@]}" : \
'--addr=[Wallet address (default\: the configured \`wallet.addr\`)]:ADDR:_default' \
'--accounts=[Player accounts the transfers move between]:ACCOUNTS:_default' \
'--concurrency=[Concurrent workers (connections) in the closed loop; the most requests in flight in the open loop is 64 times this]:CONCURRENCY:_default' \
'--rate=[Open loop\: transfers per second (default\: closed loop)]:RATE:_default' \
'--duration=[]:DURATION:_default' \
'-c+[Configuration file (default\: ./bitcraps.toml when present)]:FILE:_files' \
'--config=[Configuration file (default\: ./bitcraps.toml when present)]:FILE:_files' \
'*--set=[Override one configuration key, e.g. --set gateway.request_timeout=5s]:KEY=VALUE:_default' \
'--state-dir=[State dir\: pids, logs, data, keys, secrets and the control socket]:DIR:_files' \
'-o+[Output format of queries]:OUTPUT:((table\:"Aligned columns for people"
json\:"JSON for scripts (JSON lines when streaming)"))' \
'--output=[Output format of queries]:OUTPUT:((table\:"Aligned columns for people"
json\:"JSON for scripts (JSON lines when streaming)"))' \
'--color=[Color\: auto (terminal and no NO_COLOR), always, never]:COLOR:(auto always never)' \
'-q[Print only what scripts need (errors still go to stderr)]' \
'--quiet[Print only what scripts need (errors still go to stderr)]' \
'-h[Print help (see more with '\''--help'\'')]' \
'--help[Print help (see more with '\''--help'\'')]' \
'-V[Print version]' \
'--version[Print version]' \
&& ret=0
;;
(all)
_arguments "${_arguments_options[@]}" : \
'--duration=[How long each of the three runs]:DURATION:_default' \
'-c+[Configuration file (default\: ./bitcraps.toml when present)]:FILE:_files' \
'--config=[Configuration file (default\: ./bitcraps.toml when present)]:FILE:_files' \
'*--set=[Override one configuration key, e.g. --set gateway.request_timeout=5s]:KEY=VALUE:_default' \
'--state-dir=[State dir\: pids, logs, data, keys, secrets and the control socket]:DIR:_files' \
'-o+[Output format of queries]:OUTPUT:((table\:"Aligned columns for people"
json\:"JSON for scripts (JSON lines when streaming)"))' \
'--output=[Output format of queries]:OUTPUT:((table\:"Aligned columns for people"
json\:"JSON for scripts (JSON lines when streaming)"))' \
'--color=[Color\: auto (terminal and no NO_COLOR), always, never]:COLOR:(auto always never)' \
'-q[Print only what scripts need (errors still go to stderr)]' \
'--quiet[Print only what scripts need (errors still go to stderr)]' \
'-h[Print help (see more with '\''--help'\'')]' \
'--help[Print help (see more with '\''--help'\'')]' \
'-V[Print version]' \
'--version[Print version]' \
&& ret=0
;;
(help)
_arguments "${_arguments_options[@]}" : \
":: :_bitcraps__subcmd__bench__subcmd__help_commands" \
"*::: :->help" \
&& ret=0

    case $state in
    (help)
        words=($line[1] "${words[@]}")
        (( CURRENT += 1 ))
        curcontext="${curcontext%:*:*}:bitcraps-bench-help-command-$line[1]:"
        case $line[1] in
            (engine)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(consensus)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(gateway)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(wallet)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(all)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(help)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
        esac
    ;;
esac
;;
        esac
    ;;
esac
;;
(serve)
_arguments "${_arguments_options[@]}" : \
'--index=[Index of this instance among its kind (validator 0..n, engine 0..n)]:INDEX:_default' \
'--listen=[Listen address (default\: from the configuration and --index)]:ADDR:_default' \
'-c+[Configuration file (default\: ./bitcraps.toml when present)]:FILE:_files' \
'--config=[Configuration file (default\: ./bitcraps.toml when present)]:FILE:_files' \
'*--set=[Override one configuration key, e.g. --set gateway.request_timeout=5s]:KEY=VALUE:_default' \
'--state-dir=[State dir\: pids, logs, data, keys, secrets and the control socket]:DIR:_files' \
'-o+[Output format of queries]:OUTPUT:((table\:"Aligned columns for people"
json\:"JSON for scripts (JSON lines when streaming)"))' \
'--output=[Output format of queries]:OUTPUT:((table\:"Aligned columns for people"
json\:"JSON for scripts (JSON lines when streaming)"))' \
'--color=[Color\: auto (terminal and no NO_COLOR), always, never]:COLOR:(auto always never)' \
'-q[Print only what scripts need (errors still go to stderr)]' \
'--quiet[Print only what scripts need (errors still go to stderr)]' \
'-h[Print help (see more with '\''--help'\'')]' \
'--help[Print help (see more with '\''--help'\'')]' \
'-V[Print version]' \
'--version[Print version]' \
':kind -- Which service to run:(gateway engine consensus wallet)' \
&& ret=0
;;
(tui)
_arguments "${_arguments_options[@]}" : \
'--refresh=[How often to read every service (at least 250ms)]:DURATION:_default' \
'--gateway=[Gateway base URL (default\: the configured gateway on 127.0.0.1)]:URL:_default' \
'--token=[Bearer token (default\: an admin token signed with the issuer key)]:TOKEN:_default' \
'-c+[Configuration file (default\: ./bitcraps.toml when present)]:FILE:_files' \
'--config=[Configuration file (default\: ./bitcraps.toml when present)]:FILE:_files' \
'*--set=[Override one configuration key, e.g. --set gateway.request_timeout=5s]:KEY=VALUE:_default' \
'--state-dir=[State dir\: pids, logs, data, keys, secrets and the control socket]:DIR:_files' \
'-o+[Output format of queries]:OUTPUT:((table\:"Aligned columns for people"
json\:"JSON for scripts (JSON lines when streaming)"))' \
'--output=[Output format of queries]:OUTPUT:((table\:"Aligned columns for people"
json\:"JSON for scripts (JSON lines when streaming)"))' \
'--color=[Color\: auto (terminal and no NO_COLOR), always, never]:COLOR:(auto always never)' \
'-q[Print only what scripts need (errors still go to stderr)]' \
'--quiet[Print only what scripts need (errors still go to stderr)]' \
'-h[Print help (see more with '\''--help'\'')]' \
'--help[Print help (see more with '\''--help'\'')]' \
'-V[Print version]' \
'--version[Print version]' \
&& ret=0
;;
(completions)
_arguments "${_arguments_options[@]}" : \
'-c+[Configuration file (default\: ./bitcraps.toml when present)]:FILE:_files' \
'--config=[Configuration file (default\: ./bitcraps.toml when present)]:FILE:_files' \
'*--set=[Override one configuration key, e.g. --set gateway.request_timeout=5s]:KEY=VALUE:_default' \
'--state-dir=[State dir\: pids, logs, data, keys, secrets and the control socket]:DIR:_files' \
'-o+[Output format of queries]:OUTPUT:((table\:"Aligned columns for people"
json\:"JSON for scripts (JSON lines when streaming)"))' \
'--output=[Output format of queries]:OUTPUT:((table\:"Aligned columns for people"
json\:"JSON for scripts (JSON lines when streaming)"))' \
'--color=[Color\: auto (terminal and no NO_COLOR), always, never]:COLOR:(auto always never)' \
'-q[Print only what scripts need (errors still go to stderr)]' \
'--quiet[Print only what scripts need (errors still go to stderr)]' \
'-h[Print help (see more with '\''--help'\'')]' \
'--help[Print help (see more with '\''--help'\'')]' \
'-V[Print version]' \
'--version[Print version]' \
':shell:(bash elvish fish powershell zsh)' \
&& ret=0
;;
(manpage)
_arguments "${_arguments_options[@]}" : \
'--out-dir=[]:DIR:_files' \
'-c+[Configuration file (default\: ./bitcraps.toml when present)]:FILE:_files' \
'--config=[Configuration file (default\: ./bitcraps.toml when present)]:FILE:_files' \
'*--set=[Override one configuration key, e.g. --set gateway.request_timeout=5s]:KEY=VALUE:_default' \
'--state-dir=[State dir\: pids, logs, data, keys, secrets and the control socket]:DIR:_files' \
'-o+[Output format of queries]:OUTPUT:((table\:"Aligned columns for people"
json\:"JSON for scripts (JSON lines when streaming)"))' \
'--output=[Output format of queries]:OUTPUT:((table\:"Aligned columns for people"
json\:"JSON for scripts (JSON lines when streaming)"))' \
'--color=[Color\: auto (terminal and no NO_COLOR), always, never]:COLOR:(auto always never)' \
'-q[Print only what scripts need (errors still go to stderr)]' \
'--quiet[Print only what scripts need (errors still go to stderr)]' \
'-h[Print help (see more with '\''--help'\'')]' \
'--help[Print help (see more with '\''--help'\'')]' \
'-V[Print version]' \
'--version[Print version]' \
&& ret=0
;;
(help)
_arguments "${_arguments_options[@]}" : \
":: :_bitcraps__subcmd__help_commands" \
"*::: :->help" \
&& ret=0

    case $state in
    (help)
        words=($line[1] "${words[@]}")
        (( CURRENT += 1 ))
        curcontext="${curcontext%:*:*}:bitcraps-help-command-$line[1]:"
        case $line[1] in
            (up)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(down)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(ps)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(logs)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(restart)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(stop)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(start)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(config)
_arguments "${_arguments_options[@]}" : \
":: :_bitcraps__subcmd__help__subcmd__config_commands" \
"*::: :->config" \
&& ret=0

    case $state in
    (config)
        words=($line[1] "${words[@]}")
        (( CURRENT += 1 ))
        curcontext="${curcontext%:*:*}:bitcraps-help-config-command-$line[1]:"
        case $line[1] in
            (show)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(check)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(default)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
        esac
    ;;
esac
;;
(auth)
_arguments "${_arguments_options[@]}" : \
":: :_bitcraps__subcmd__help__subcmd__auth_commands" \
"*::: :->auth" \
&& ret=0

    case $state in
    (auth)
        words=($line[1] "${words[@]}")
        (( CURRENT += 1 ))
        curcontext="${curcontext%:*:*}:bitcraps-help-auth-command-$line[1]:"
        case $line[1] in
            (token)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(revoke)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(rotate)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(keys)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(service-key)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(apikey)
_arguments "${_arguments_options[@]}" : \
":: :_bitcraps__subcmd__help__subcmd__auth__subcmd__apikey_commands" \
"*::: :->apikey" \
&& ret=0

    case $state in
    (apikey)
        words=($line[1] "${words[@]}")
        (( CURRENT += 1 ))
        curcontext="${curcontext%:*:*}:bitcraps-help-auth-apikey-command-$line[1]:"
        case $line[1] in
            (create)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(list)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(revoke)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
        esac
    ;;
esac
;;
        esac
    ;;
esac
;;
(certs)
_arguments "${_arguments_options[@]}" : \
":: :_bitcraps__subcmd__help__subcmd__certs_commands" \
"*::: :->certs" \
&& ret=0

    case $state in
    (certs)
        words=($line[1] "${words[@]}")
        (( CURRENT += 1 ))
        curcontext="${curcontext%:*:*}:bitcraps-help-certs-command-$line[1]:"
        case $line[1] in
            (rotate)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(issue)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
        esac
    ;;
esac
;;
(sandbox)
_arguments "${_arguments_options[@]}" : \
":: :_bitcraps__subcmd__help__subcmd__sandbox_commands" \
"*::: :->sandbox" \
&& ret=0

    case $state in
    (sandbox)
        words=($line[1] "${words[@]}")
        (( CURRENT += 1 ))
        curcontext="${curcontext%:*:*}:bitcraps-help-sandbox-command-$line[1]:"
        case $line[1] in
            (show)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(probe)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
        esac
    ;;
esac
;;
(game)
_arguments "${_arguments_options[@]}" : \
":: :_bitcraps__subcmd__help__subcmd__game_commands" \
"*::: :->game" \
&& ret=0

    case $state in
    (game)
        words=($line[1] "${words[@]}")
        (( CURRENT += 1 ))
        curcontext="${curcontext%:*:*}:bitcraps-help-game-command-$line[1]:"
        case $line[1] in
            (create)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(list)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(watch)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(show)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(bet)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(roll)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(act)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(verify)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
        esac
    ;;
esac
;;
(consensus)
_arguments "${_arguments_options[@]}" : \
":: :_bitcraps__subcmd__help__subcmd__consensus_commands" \
"*::: :->consensus" \
&& ret=0

    case $state in
    (consensus)
        words=($line[1] "${words[@]}")
        (( CURRENT += 1 ))
        curcontext="${curcontext%:*:*}:bitcraps-help-consensus-command-$line[1]:"
        case $line[1] in
            (propose)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(status)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(blocks)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(evidence)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(validators)
_arguments "${_arguments_options[@]}" : \
":: :_bitcraps__subcmd__help__subcmd__consensus__subcmd__validators_commands" \
"*::: :->validators" \
&& ret=0

    case $state in
    (validators)
        words=($line[1] "${words[@]}")
        (( CURRENT += 1 ))
        curcontext="${curcontext%:*:*}:bitcraps-help-consensus-validators-command-$line[1]:"
        case $line[1] in
            (list)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(add)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(remove)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(set-power)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
        esac
    ;;
esac
;;
(vote)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(verify)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
        esac
    ;;
esac
;;
(wallet)
_arguments "${_arguments_options[@]}" : \
":: :_bitcraps__subcmd__help__subcmd__wallet_commands" \
"*::: :->wallet" \
&& ret=0

    case $state in
    (wallet)
        words=($line[1] "${words[@]}")
        (( CURRENT += 1 ))
        curcontext="${curcontext%:*:*}:bitcraps-help-wallet-command-$line[1]:"
        case $line[1] in
            (deposit)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(withdraw)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(transfer)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(balance)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(history)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(audit)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
        esac
    ;;
esac
;;
(keys)
_arguments "${_arguments_options[@]}" : \
":: :_bitcraps__subcmd__help__subcmd__keys_commands" \
"*::: :->keys" \
&& ret=0

    case $state in
    (keys)
        words=($line[1] "${words[@]}")
        (( CURRENT += 1 ))
        curcontext="${curcontext%:*:*}:bitcraps-help-keys-command-$line[1]:"
        case $line[1] in
            (generate)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
        esac
    ;;
esac
;;
(bench)
_arguments "${_arguments_options[@]}" : \
":: :_bitcraps__subcmd__help__subcmd__bench_commands" \
"*::: :->bench" \
&& ret=0

    case $state in
    (bench)
        words=($line[1] "${words[@]}")
        (( CURRENT += 1 ))
        curcontext="${curcontext%:*:*}:bitcraps-help-bench-command-$line[1]:"
        case $line[1] in
            (engine)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(consensus)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(gateway)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(wallet)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(all)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
        esac
    ;;
esac
;;
(serve)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(tui)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(completions)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(manpage)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(help)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
        esac
    ;;
esac
;;
        esac
    ;;
esac
}

(( $+functions[_bitcraps_commands] )) ||
_bitcraps_commands() {
    local commands; commands=(
'up:Start every service in dependency order and supervise it' \
'down:Stop every service (SIGTERM, then SIGKILL after --timeout)' \
'ps:List the supervised services\: pid, state, health, uptime, restarts' \
'logs:Show service logs' \
'restart:Stop and start services, waiting until they are ready again' \
'stop:Stop services and keep them stopped (the supervisor and the other services go on) until \`start\` or \`restart\`' \
'start:Start services that are stopped or failed, waiting until they are ready (running ones are left alone)' \
'config:Show, check or print the configuration' \
'auth:Mint credentials' \
'certs:The services'\'' TLS certificates' \
'sandbox:What each service can open once it has confined itself (Landlock), and a probe that asks the kernel' \
'game:Create, play, watch and verify games through the gateway' \
'consensus:Propose, inspect and verify consensus through the gateway' \
'wallet:Deposit, withdraw, move and audit chips in the wallet through the gateway' \
'keys:Validator keys' \
'bench:Measure a running system' \
'serve:Run one service in the foreground (what the supervisor spawns)' \
'tui:Live dashboard\: services, games, validators, gateway, metrics' \
'completions:Print shell completions (bash, zsh, fish, elvish, powershell)' \
'manpage:Print the man page (roff), or write one page per command into a directory (\`man/\` holds them generated; a test keeps them current)' \
'help:Print this message or the help of the given subcommand(s)' \
    )
    _describe -t commands 'bitcraps commands' commands "$@"
}
(( $+functions[_bitcraps__subcmd__auth_commands] )) ||
_bitcraps__subcmd__auth_commands() {
    local commands; commands=(
'token:Mint a token (EdDSA) signed with the issuer key (the configured one, else the state dir'\''s); HS256 with the secret under the opt-in' \
'revoke:Revoke a token by its id (\`jti\`); every service refuses it within a second' \
'rotate:Add a new issuer key\: new tokens are signed with it, tokens of the old keys stay valid while those keys are in the set. \`--retire KID\` removes a key instead' \
'keys:List the keys of the set (kid, scope)' \
'service-key:Make (or show) each service NAME'\''s own signing key and list it in the set with its one role, for services started outside \`bitcraps up\` (the compose file'\''s \`keys\` step)' \
'apikey:API keys\: create (shown once), list, revoke' \
'help:Print this message or the help of the given subcommand(s)' \
    )
    _describe -t commands 'bitcraps auth commands' commands "$@"
}
(( $+functions[_bitcraps__subcmd__auth__subcmd__apikey_commands] )) ||
_bitcraps__subcmd__auth__subcmd__apikey_commands() {
    local commands; commands=(
'create:Create a key; it is printed once and stored only as a hash' \
'list:List keys (never the keys themselves)' \
'revoke:Revoke a key by id; it stops working on the next request' \
'help:Print this message or the help of the given subcommand(s)' \
    )
    _describe -t commands 'bitcraps auth apikey commands' commands "$@"
}
(( $+functions[_bitcraps__subcmd__auth__subcmd__apikey__subcmd__create_commands] )) ||
_bitcraps__subcmd__auth__subcmd__apikey__subcmd__create_commands() {
    local commands; commands=()
    _describe -t commands 'bitcraps auth apikey create commands' commands "$@"
}
(( $+functions[_bitcraps__subcmd__auth__subcmd__apikey__subcmd__help_commands] )) ||
_bitcraps__subcmd__auth__subcmd__apikey__subcmd__help_commands() {
    local commands; commands=(
'create:Create a key; it is printed once and stored only as a hash' \
'list:List keys (never the keys themselves)' \
'revoke:Revoke a key by id; it stops working on the next request' \
'help:Print this message or the help of the given subcommand(s)' \
    )
    _describe -t commands 'bitcraps auth apikey help commands' commands "$@"
}
(( $+functions[_bitcraps__subcmd__auth__subcmd__apikey__subcmd__help__subcmd__create_commands] )) ||
_bitcraps__subcmd__auth__subcmd__apikey__subcmd__help__subcmd__create_commands() {
    local commands; commands=()
    _describe -t commands 'bitcraps auth apikey help create commands' commands "$@"
}
(( $+functions[_bitcraps__subcmd__auth__subcmd__apikey__subcmd__help__subcmd__help_commands] )) ||
_bitcraps__subcmd__auth__subcmd__apikey__subcmd__help__subcmd__help_commands() {
    local commands; commands=()
    _describe -t commands 'bitcraps auth apikey help help commands' commands "$@"
}
(( $+functions[_bitcraps__subcmd__auth__subcmd__apikey__subcmd__help__subcmd__list_commands] )) ||
_bitcraps__subcmd__auth__subcmd__apikey__subcmd__help__subcmd__list_commands() {
    local commands; commands=()
    _describe -t commands 'bitcraps auth apikey help list commands' commands "$@"
}
(( $+functions[_bitcraps__subcmd__auth__subcmd__apikey__subcmd__help__subcmd__revoke_commands] )) ||
_bitcraps__subcmd__auth__subcmd__apikey__subcmd__help__subcmd__revoke_commands() {
    local commands; commands=()
    _describe -t commands 'bitcraps auth apikey help revoke commands' commands "$@"
}
(( $+functions[_bitcraps__subcmd__auth__subcmd__apikey__subcmd__list_commands] )) ||
_bitcraps__subcmd__auth__subcmd__apikey__subcmd__list_commands() {
    local commands; commands=()
    _describe -t commands 'bitcraps auth apikey list commands' commands "$@"
}
(( $+functions[_bitcraps__subcmd__auth__subcmd__apikey__subcmd__revoke_commands] )) ||
_bitcraps__subcmd__auth__subcmd__apikey__subcmd__revoke_commands() {
    local commands; commands=()
    _describe -t commands 'bitcraps auth apikey revoke commands' commands "$@"
}
(( $+functions[_bitcraps__subcmd__auth__subcmd__help_commands] )) ||
_bitcraps__subcmd__auth__subcmd__help_commands() {
    local commands; commands=(
'token:Mint a token (EdDSA) signed with the issuer key (the configured one, else the state dir'\''s); HS256 with the secret under the opt-in' \
'revoke:Revoke a token by its id (\`jti\`); every service refuses it within a second' \
'rotate:Add a new issuer key\: new tokens are signed with it, tokens of the old keys stay valid while those keys are in the set. \`--retire KID\` removes a key instead' \
'keys:List the keys of the set (kid, scope)' \
'service-key:Make (or show) each service NAME'\''s own signing key and list it in the set with its one role, for services started outside \`bitcraps up\` (the compose file'\''s \`keys\` step)' \
'apikey:API keys\: create (shown once), list, revoke' \
'help:Print this message or the help of the given subcommand(s)' \
    )
    _describe -t commands 'bitcraps auth help commands' commands "$@"
}
(( $+functions[_bitcraps__subcmd__auth__subcmd__help__subcmd__apikey_commands] )) ||
_bitcraps__subcmd__auth__subcmd__help__subcmd__apikey_commands() {
    local commands; commands=(
'create:Create a key; it is printed once and stored only as a hash' \
'list:List keys (never the keys themselves)' \
'revoke:Revoke a key by id; it stops working on the next request' \
    )
    _describe -t commands 'bitcraps auth help apikey commands' commands "$@"
}
(( $+functions[_bitcraps__subcmd__auth__subcmd__help__subcmd__apikey__subcmd__create_commands] )) ||
_bitcraps__subcmd__auth__subcmd__help__subcmd__apikey__subcmd__create_commands() {
    local commands; commands=()
    _describe -t commands 'bitcraps auth help apikey create commands' commands "$@"
}
(( $+functions[_bitcraps__subcmd__auth__subcmd__help__subcmd__apikey__subcmd__list_commands] )) ||
_bitcraps__subcmd__auth__subcmd__help__subcmd__apikey__subcmd__list_commands() {
    local commands; commands=()
    _describe -t commands 'bitcraps auth help apikey list commands' commands "$@"
}
(( $+functions[_bitcraps__subcmd__auth__subcmd__help__subcmd__apikey__subcmd__revoke_commands] )) ||
_bitcraps__subcmd__auth__subcmd__help__subcmd__apikey__subcmd__revoke_commands() {
    local commands; commands=()
    _describe -t commands 'bitcraps auth help apikey revoke commands' commands "$@"
}
(( $+functions[_bitcraps__subcmd__auth__subcmd__help__subcmd__help_commands] )) ||
_bitcraps__subcmd__auth__subcmd__help__subcmd__help_commands() {
    local commands; commands=()
    _describe -t commands 'bitcraps auth help help commands' commands "$@"
}
(( $+functions[_bitcraps__subcmd__auth__subcmd__help__subcmd__keys_commands] )) ||
_bitcraps__subcmd__auth__subcmd__help__subcmd__keys_commands() {
    local commands; commands=()
    _describe -t commands 'bitcraps auth help keys commands' commands "$@"
}
(( $+functions[_bitcraps__subcmd__auth__subcmd__help__subcmd__revoke_commands] )) ||
_bitcraps__subcmd__auth__subcmd__help__subcmd__revoke_commands() {
    local commands; commands=()
    _describe -t commands 'bitcraps auth help revoke commands' commands "$@"
}
(( $+functions[_bitcraps__subcmd__auth__subcmd__help__subcmd__rotate_commands] )) ||
_bitcraps__subcmd__auth__subcmd__help__subcmd__rotate_commands() {
    local commands; commands=()
    _describe -t commands 'bitcraps auth help rotate commands' commands "$@"
}
(( $+functions[_bitcraps__subcmd__auth__subcmd__help__subcmd__service-key_commands] )) ||
_bitcraps__subcmd__auth__subcmd__help__subcmd__service-key_commands() {
    local commands; commands=()
    _describe -t commands 'bitcraps auth help service-key commands' commands "$@"
}
(( $+functions[_bitcraps__subcmd__auth__subcmd__help__subcmd__token_commands] )) ||
_bitcraps__subcmd__auth__subcmd__help__subcmd__token_commands() {
    local commands; commands=()
    _describe -t commands 'bitcraps auth help token commands' commands "$@"
}
(( $+functions[_bitcraps__subcmd__auth__subcmd__keys_commands] )) ||
_bitcraps__subcmd__auth__subcmd__keys_commands() {
    local commands; commands=()
    _describe -t commands 'bitcraps auth keys commands' commands "$@"
}
(( $+functions[_bitcraps__subcmd__auth__subcmd__revoke_commands] )) ||
_bitcraps__subcmd__auth__subcmd__revoke_commands() {
    local commands; commands=()
    _describe -t commands 'bitcraps auth revoke commands' commands "$@"
}
(( $+functions[_bitcraps__subcmd__auth__subcmd__rotate_commands] )) ||
_bitcraps__subcmd__auth__subcmd__rotate_commands() {
    local commands; commands=()
    _describe -t commands 'bitcraps auth rotate commands' commands "$@"
}
(( $+functions[_bitcraps__subcmd__auth__subcmd__service-key_commands] )) ||
_bitcraps__subcmd__auth__subcmd__service-key_commands() {
    local commands; commands=()
    _describe -t commands 'bitcraps auth service-key commands' commands "$@"
}
(( $+functions[_bitcraps__subcmd__auth__subcmd__token_commands] )) ||
_bitcraps__subcmd__auth__subcmd__token_commands() {
    local commands; commands=()
    _describe -t commands 'bitcraps auth token commands' commands "$@"
}
(( $+functions[_bitcraps__subcmd__bench_commands] )) ||
_bitcraps__subcmd__bench_commands() {
    local commands; commands=(
'engine:Actions per second and latency through the engine'\''s HTTP API' \
'consensus:Commit latency and throughput of the validators; optionally the gap in commits when the leader is killed' \
'gateway:A request mix through the gateway (or any --target), open loop at --rate or closed loop to saturation, with pass/fail thresholds' \
'wallet:Transfers per second and latency through the wallet'\''s HTTP API, closed loop or open loop at --rate' \
'all:engine, consensus and gateway one after the other, each for --duration' \
'help:Print this message or the help of the given subcommand(s)' \
    )
    _describe -t commands 'bitcraps bench commands' commands "$@"
}
(( $+functions[_bitcraps__subcmd__bench__subcmd__all_commands] )) ||
_bitcraps__subcmd__bench__subcmd__all_commands() {
    local commands; commands=()
    _describe -t commands 'bitcraps bench all commands' commands "$@"
}
(( $+functions[_bitcraps__subcmd__bench__subcmd__consensus_commands] )) ||
_bitcraps__subcmd__bench__subcmd__consensus_commands() {
    local commands; commands=()
    _describe -t commands 'bitcraps bench consensus commands' commands "$@"
}
(( $+functions[_bitcraps__subcmd__bench__subcmd__engine_commands] )) ||
_bitcraps__subcmd__bench__subcmd__engine_commands() {
    local commands; commands=()
    _describe -t commands 'bitcraps bench engine commands' commands "$@"
}
(( $+functions[_bitcraps__subcmd__bench__subcmd__gateway_commands] )) ||
_bitcraps__subcmd__bench__subcmd__gateway_commands() {
    local commands; commands=()
    _describe -t commands 'bitcraps bench gateway commands' commands "$@"
}
(( $+functions[_bitcraps__subcmd__bench__subcmd__help_commands] )) ||
_bitcraps__subcmd__bench__subcmd__help_commands() {
    local commands; commands=(
'engine:Actions per second and latency through the engine'\''s HTTP API' \
'consensus:Commit latency and throughput of the validators; optionally the gap in commits when the leader is killed' \
'gateway:A request mix through the gateway (or any --target), open loop at --rate or closed loop to saturation, with pass/fail thresholds' \
'wallet:Transfers per second and latency through the wallet'\''s HTTP API, closed loop or open loop at --rate' \
'all:engine, consensus and gateway one after the other, each for --duration' \
'help:Print this message or the help of the given subcommand(s)' \
    )
    _describe -t commands 'bitcraps bench help commands' commands "$@"
}
(( $+functions[_bitcraps__subcmd__bench__subcmd__help__subcmd__all_commands] )) ||
_bitcraps__subcmd__bench__subcmd__help__subcmd__all_commands() {
    local commands; commands=()
    _describe -t commands 'bitcraps bench help all commands' commands "$@"
}
(( $+functions[_bitcraps__subcmd__bench__subcmd__help__subcmd__consensus_commands] )) ||
_bitcraps__subcmd__bench__subcmd__help__subcmd__consensus_commands() {
    local commands; commands=()
    _describe -t commands 'bitcraps bench help consensus commands' commands "$@"
}
(( $+functions[_bitcraps__subcmd__bench__subcmd__help__subcmd__engine_commands] )) ||
_bitcraps__subcmd__bench__subcmd__help__subcmd__engine_commands() {
    local commands; commands=()
    _describe -t commands 'bitcraps bench help engine commands' commands "$@"
}
(( $+functions[_bitcraps__subcmd__bench__subcmd__help__subcmd__gateway_commands] )) ||
_bitcraps__subcmd__bench__subcmd__help__subcmd__gateway_commands() {
    local commands; commands=()
    _describe -t commands 'bitcraps bench help gateway commands' commands "$@"
}
(( $+functions[_bitcraps__subcmd__bench__subcmd__help__subcmd__help_commands] )) ||
_bitcraps__subcmd__bench__subcmd__help__subcmd__help_commands() {
    local commands; commands=()
    _describe -t commands 'bitcraps bench help help commands' commands "$@"
}
(( $+functions[_bitcraps__subcmd__bench__subcmd__help__subcmd__wallet_commands] )) ||
_bitcraps__subcmd__bench__subcmd__help__subcmd__wallet_commands() {
    local commands; commands=()
    _describe -t commands 'bitcraps bench help wallet commands' commands "$@"
}
(( $+functions[_bitcraps__subcmd__bench__subcmd__wallet_commands] )) ||
_bitcraps__subcmd__bench__subcmd__wallet_commands() {
    local commands; commands=()
    _describe -t commands 'bitcraps bench wallet commands' commands "$@"
}
(( $+functions[_bitcraps__subcmd__certs_commands] )) ||
_bitcraps__subcmd__certs_commands() {
    local commands; commands=(
'rotate:Make a new certificate and key for every instance and the \`cli\` identity, signed by the same CA, each file replaced atomically. Running services load theirs within a second, for new connections; requests in flight finish on the old ones' \
'issue:Make the state dir'\''s CA (when there is none) and a certificate for each named instance, keeping those still valid for their names (for hosts where each service is started on its own, e.g. the compose file'\''s \`certs\` step; \`up\` does this itself)' \
'help:Print this message or the help of the given subcommand(s)' \
    )
    _describe -t commands 'bitcraps certs commands' commands "$@"
}
(( $+functions[_bitcraps__subcmd__certs__subcmd__help_commands] )) ||
_bitcraps__subcmd__certs__subcmd__help_commands() {
    local commands; commands=(
'rotate:Make a new certificate and key for every instance and the \`cli\` identity, signed by the same CA, each file replaced atomically. Running services load theirs within a second, for new connections; requests in flight finish on the old ones' \
'issue:Make the state dir'\''s CA (when there is none) and a certificate for each named instance, keeping those still valid for their names (for hosts where each service is started on its own, e.g. the compose file'\''s \`certs\` step; \`up\` does this itself)' \
'help:Print this message or the help of the given subcommand(s)' \
    )
    _describe -t commands 'bitcraps certs help commands' commands "$@"
}
(( $+functions[_bitcraps__subcmd__certs__subcmd__help__subcmd__help_commands] )) ||
_bitcraps__subcmd__certs__subcmd__help__subcmd__help_commands() {
    local commands; commands=()
    _describe -t commands 'bitcraps certs help help commands' commands "$@"
}
(( $+functions[_bitcraps__subcmd__certs__subcmd__help__subcmd__issue_commands] )) ||
_bitcraps__subcmd__certs__subcmd__help__subcmd__issue_commands() {
    local commands; commands=()
    _describe -t commands 'bitcraps certs help issue commands' commands "$@"
}
(( $+functions[_bitcraps__subcmd__certs__subcmd__help__subcmd__rotate_commands] )) ||
_bitcraps__subcmd__certs__subcmd__help__subcmd__rotate_commands() {
    local commands; commands=()
    _describe -t commands 'bitcraps certs help rotate commands' commands "$@"
}
(( $+functions[_bitcraps__subcmd__certs__subcmd__issue_commands] )) ||
_bitcraps__subcmd__certs__subcmd__issue_commands() {
    local commands; commands=()
    _describe -t commands 'bitcraps certs issue commands' commands "$@"
}
(( $+functions[_bitcraps__subcmd__certs__subcmd__rotate_commands] )) ||
_bitcraps__subcmd__certs__subcmd__rotate_commands() {
    local commands; commands=()
    _describe -t commands 'bitcraps certs rotate commands' commands "$@"
}
(( $+functions[_bitcraps__subcmd__completions_commands] )) ||
_bitcraps__subcmd__completions_commands() {
    local commands; commands=()
    _describe -t commands 'bitcraps completions commands' commands "$@"
}
(( $+functions[_bitcraps__subcmd__config_commands] )) ||
_bitcraps__subcmd__config_commands() {
    local commands; commands=(
'show:Print the effective configuration and where each value came from' \
'check:Validate a configuration file (the environment is not consulted)' \
'default:Print the documented default configuration (config/bitcraps.toml)' \
'help:Print this message or the help of the given subcommand(s)' \
    )
    _describe -t commands 'bitcraps config commands' commands "$@"
}
(( $+functions[_bitcraps__subcmd__config__subcmd__check_commands] )) ||
_bitcraps__subcmd__config__subcmd__check_commands() {
    local commands; commands=()
    _describe -t commands 'bitcraps config check commands' commands "$@"
}
(( $+functions[_bitcraps__subcmd__config__subcmd__default_commands] )) ||
_bitcraps__subcmd__config__subcmd__default_commands() {
    local commands; commands=()
    _describe -t commands 'bitcraps config default commands' commands "$@"
}
(( $+functions[_bitcraps__subcmd__config__subcmd__help_commands] )) ||
_bitcraps__subcmd__config__subcmd__help_commands() {
    local commands; commands=(
'show:Print the effective configuration and where each value came from' \
'check:Validate a configuration file (the environment is not consulted)' \
'default:Print the documented default configuration (config/bitcraps.toml)' \
'help:Print this message or the help of the given subcommand(s)' \
    )
    _describe -t commands 'bitcraps config help commands' commands "$@"
}
(( $+functions[_bitcraps__subcmd__config__subcmd__help__subcmd__check_commands] )) ||
_bitcraps__subcmd__config__subcmd__help__subcmd__check_commands() {
    local commands; commands=()
    _describe -t commands 'bitcraps config help check commands' commands "$@"
}
(( $+functions[_bitcraps__subcmd__config__subcmd__help__subcmd__default_commands] )) ||
_bitcraps__subcmd__config__subcmd__help__subcmd__default_commands() {
    local commands; commands=()
    _describe -t commands 'bitcraps config help default commands' commands "$@"
}
(( $+functions[_bitcraps__subcmd__config__subcmd__help__subcmd__help_commands] )) ||
_bitcraps__subcmd__config__subcmd__help__subcmd__help_commands() {
    local commands; commands=()
    _describe -t commands 'bitcraps config help help commands' commands "$@"
}
(( $+functions[_bitcraps__subcmd__config__subcmd__help__subcmd__show_commands] )) ||
_bitcraps__subcmd__config__subcmd__help__subcmd__show_commands() {
    local commands; commands=()
    _describe -t commands 'bitcraps config help show commands' commands "$@"
}
(( $+functions[_bitcraps__subcmd__config__subcmd__show_commands] )) ||
_bitcraps__subcmd__config__subcmd__show_commands() {
    local commands; commands=()
    _describe -t commands 'bitcraps config show commands' commands "$@"
}
(( $+functions[_bitcraps__subcmd__consensus_commands] )) ||
_bitcraps__subcmd__consensus_commands() {
    local commands; commands=(
'propose:Order a JSON payload through the validators' \
'status:Height, view, leader and each validator'\''s last vote' \
'blocks:Committed blocks with their certificates (JSON lines with --output json)' \
'evidence:Byzantine evidence the validators recorded' \
'validators:The validator set\: list, add, remove, set-power (admin)' \
'vote:Sign a vote with a validator key file and submit it (POST /vote)' \
'verify:Check a block'\''s quorum certificate, trusting only the genesis\: every validator set change on the way is checked against the set before it' \
'help:Print this message or the help of the given subcommand(s)' \
    )
    _describe -t commands 'bitcraps consensus commands' commands "$@"
}
(( $+functions[_bitcraps__subcmd__consensus__subcmd__blocks_commands] )) ||
_bitcraps__subcmd__consensus__subcmd__blocks_commands() {
    local commands; commands=()
    _describe -t commands 'bitcraps consensus blocks commands' commands "$@"
}
(( $+functions[_bitcraps__subcmd__consensus__subcmd__evidence_commands] )) ||
_bitcraps__subcmd__consensus__subcmd__evidence_commands() {
    local commands; commands=()
    _describe -t commands 'bitcraps consensus evidence commands' commands "$@"
}
(( $+functions[_bitcraps__subcmd__consensus__subcmd__help_commands] )) ||
_bitcraps__subcmd__consensus__subcmd__help_commands() {
    local commands; commands=(
'propose:Order a JSON payload through the validators' \
'status:Height, view, leader and each validator'\''s last vote' \
'blocks:Committed blocks with their certificates (JSON lines with --output json)' \
'evidence:Byzantine evidence the validators recorded' \
'validators:The validator set\: list, add, remove, set-power (admin)' \
'vote:Sign a vote with a validator key file and submit it (POST /vote)' \
'verify:Check a block'\''s quorum certificate, trusting only the genesis\: every validator set change on the way is checked against the set before it' \
'help:Print this message or the help of the given subcommand(s)' \
    )
    _describe -t commands 'bitcraps consensus help commands' commands "$@"
}
(( $+functions[_bitcraps__subcmd__consensus__subcmd__help__subcmd__blocks_commands] )) ||
_bitcraps__subcmd__consensus__subcmd__help__subcmd__blocks_commands() {
    local commands; commands=()
    _describe -t commands 'bitcraps consensus help blocks commands' commands "$@"
}
(( $+functions[_bitcraps__subcmd__consensus__subcmd__help__subcmd__evidence_commands] )) ||
_bitcraps__subcmd__consensus__subcmd__help__subcmd__evidence_commands() {
    local commands; commands=()
    _describe -t commands 'bitcraps consensus help evidence commands' commands "$@"
}
(( $+functions[_bitcraps__subcmd__consensus__subcmd__help__subcmd__help_commands] )) ||
_bitcraps__subcmd__consensus__subcmd__help__subcmd__help_commands() {
    local commands; commands=()
    _describe -t commands 'bitcraps consensus help help commands' commands "$@"
}
(( $+functions[_bitcraps__subcmd__consensus__subcmd__help__subcmd__propose_commands] )) ||
_bitcraps__subcmd__consensus__subcmd__help__subcmd__propose_commands() {
    local commands; commands=()
    _describe -t commands 'bitcraps consensus help propose commands' commands "$@"
}
(( $+functions[_bitcraps__subcmd__consensus__subcmd__help__subcmd__status_commands] )) ||
_bitcraps__subcmd__consensus__subcmd__help__subcmd__status_commands() {
    local commands; commands=()
    _describe -t commands 'bitcraps consensus help status commands' commands "$@"
}
(( $+functions[_bitcraps__subcmd__consensus__subcmd__help__subcmd__validators_commands] )) ||
_bitcraps__subcmd__consensus__subcmd__help__subcmd__validators_commands() {
    local commands; commands=(
'list:The current set\: epoch, members, power, address, and past changes' \
'add:Add a validator (effective at the height after its block)' \
'remove:Remove a validator (the current leader too)' \
'set-power:Change a validator'\''s voting power' \
    )
    _describe -t commands 'bitcraps consensus help validators commands' commands "$@"
}
(( $+functions[_bitcraps__subcmd__consensus__subcmd__help__subcmd__validators__subcmd__add_commands] )) ||
_bitcraps__subcmd__consensus__subcmd__help__subcmd__validators__subcmd__add_commands() {
    local commands; commands=()
    _describe -t commands 'bitcraps consensus help validators add commands' commands "$@"
}
(( $+functions[_bitcraps__subcmd__consensus__subcmd__help__subcmd__validators__subcmd__list_commands] )) ||
_bitcraps__subcmd__consensus__subcmd__help__subcmd__validators__subcmd__list_commands() {
    local commands; commands=()
    _describe -t commands 'bitcraps consensus help validators list commands' commands "$@"
}
(( $+functions[_bitcraps__subcmd__consensus__subcmd__help__subcmd__validators__subcmd__remove_commands] )) ||
_bitcraps__subcmd__consensus__subcmd__help__subcmd__validators__subcmd__remove_commands() {
    local commands; commands=()
    _describe -t commands 'bitcraps consensus help validators remove commands' commands "$@"
}
(( $+functions[_bitcraps__subcmd__consensus__subcmd__help__subcmd__validators__subcmd__set-power_commands] )) ||
_bitcraps__subcmd__consensus__subcmd__help__subcmd__validators__subcmd__set-power_commands() {
    local commands; commands=()
    _describe -t commands 'bitcraps consensus help validators set-power commands' commands "$@"
}
(( $+functions[_bitcraps__subcmd__consensus__subcmd__help__subcmd__verify_commands] )) ||
_bitcraps__subcmd__consensus__subcmd__help__subcmd__verify_commands() {
    local commands; commands=()
    _describe -t commands 'bitcraps consensus help verify commands' commands "$@"
}
(( $+functions[_bitcraps__subcmd__consensus__subcmd__help__subcmd__vote_commands] )) ||
_bitcraps__subcmd__consensus__subcmd__help__subcmd__vote_commands() {
    local commands; commands=()
    _describe -t commands 'bitcraps consensus help vote commands' commands "$@"
}
(( $+functions[_bitcraps__subcmd__consensus__subcmd__propose_commands] )) ||
_bitcraps__subcmd__consensus__subcmd__propose_commands() {
    local commands; commands=()
    _describe -t commands 'bitcraps consensus propose commands' commands "$@"
}
(( $+functions[_bitcraps__subcmd__consensus__subcmd__status_commands] )) ||
_bitcraps__subcmd__consensus__subcmd__status_commands() {
    local commands; commands=()
    _describe -t commands 'bitcraps consensus status commands' commands "$@"
}
(( $+functions[_bitcraps__subcmd__consensus__subcmd__validators_commands] )) ||
_bitcraps__subcmd__consensus__subcmd__validators_commands() {
    local commands; commands=(
'list:The current set\: epoch, members, power, address, and past changes' \
'add:Add a validator (effective at the height after its block)' \
'remove:Remove a validator (the current leader too)' \
'set-power:Change a validator'\''s voting power' \
'help:Print this message or the help of the given subcommand(s)' \
    )
    _describe -t commands 'bitcraps consensus validators commands' commands "$@"
}
(( $+functions[_bitcraps__subcmd__consensus__subcmd__validators__subcmd__add_commands] )) ||
_bitcraps__subcmd__consensus__subcmd__validators__subcmd__add_commands() {
    local commands; commands=()
    _describe -t commands 'bitcraps consensus validators add commands' commands "$@"
}
(( $+functions[_bitcraps__subcmd__consensus__subcmd__validators__subcmd__help_commands] )) ||
_bitcraps__subcmd__consensus__subcmd__validators__subcmd__help_commands() {
    local commands; commands=(
'list:The current set\: epoch, members, power, address, and past changes' \
'add:Add a validator (effective at the height after its block)' \
'remove:Remove a validator (the current leader too)' \
'set-power:Change a validator'\''s voting power' \
'help:Print this message or the help of the given subcommand(s)' \
    )
    _describe -t commands 'bitcraps consensus validators help commands' commands "$@"
}
(( $+functions[_bitcraps__subcmd__consensus__subcmd__validators__subcmd__help__subcmd__add_commands] )) ||
_bitcraps__subcmd__consensus__subcmd__validators__subcmd__help__subcmd__add_commands() {
    local commands; commands=()
    _describe -t commands 'bitcraps consensus validators help add commands' commands "$@"
}
(( $+functions[_bitcraps__subcmd__consensus__subcmd__validators__subcmd__help__subcmd__help_commands] )) ||
_bitcraps__subcmd__consensus__subcmd__validators__subcmd__help__subcmd__help_commands() {
    local commands; commands=()
    _describe -t commands 'bitcraps consensus validators help help commands' commands "$@"
}
(( $+functions[_bitcraps__subcmd__consensus__subcmd__validators__subcmd__help__subcmd__list_commands] )) ||
_bitcraps__subcmd__consensus__subcmd__validators__subcmd__help__subcmd__list_commands() {
    local commands; commands=()
    _describe -t commands 'bitcraps consensus validators help list commands' commands "$@"
}
(( $+functions[_bitcraps__subcmd__consensus__subcmd__validators__subcmd__help__subcmd__remove_commands] )) ||
_bitcraps__subcmd__consensus__subcmd__validators__subcmd__help__subcmd__remove_commands() {
    local commands; commands=()
    _describe -t commands 'bitcraps consensus validators help remove commands' commands "$@"
}
(( $+functions[_bitcraps__subcmd__consensus__subcmd__validators__subcmd__help__subcmd__set-power_commands] )) ||
_bitcraps__subcmd__consensus__subcmd__validators__subcmd__help__subcmd__set-power_commands() {
    local commands; commands=()
    _describe -t commands 'bitcraps consensus validators help set-power commands' commands "$@"
}
(( $+functions[_bitcraps__subcmd__consensus__subcmd__validators__subcmd__list_commands] )) ||
_bitcraps__subcmd__consensus__subcmd__validators__subcmd__list_commands() {
    local commands; commands=()
    _describe -t commands 'bitcraps consensus validators list commands' commands "$@"
}
(( $+functions[_bitcraps__subcmd__consensus__subcmd__validators__subcmd__remove_commands] )) ||
_bitcraps__subcmd__consensus__subcmd__validators__subcmd__remove_commands() {
    local commands; commands=()
    _describe -t commands 'bitcraps consensus validators remove commands' commands "$@"
}
(( $+functions[_bitcraps__subcmd__consensus__subcmd__validators__subcmd__set-power_commands] )) ||
_bitcraps__subcmd__consensus__subcmd__validators__subcmd__set-power_commands() {
    local commands; commands=()
    _describe -t commands 'bitcraps consensus validators set-power commands' commands "$@"
}
(( $+functions[_bitcraps__subcmd__consensus__subcmd__verify_commands] )) ||
_bitcraps__subcmd__consensus__subcmd__verify_commands() {
    local commands; commands=()
    _describe -t commands 'bitcraps consensus verify commands' commands "$@"
}
(( $+functions[_bitcraps__subcmd__consensus__subcmd__vote_commands] )) ||
_bitcraps__subcmd__consensus__subcmd__vote_commands() {
    local commands; commands=()
    _describe -t commands 'bitcraps consensus vote commands' commands "$@"
}
(( $+functions[_bitcraps__subcmd__down_commands] )) ||
_bitcraps__subcmd__down_commands() {
    local commands; commands=()
    _describe -t commands 'bitcraps down commands' commands "$@"
}
(( $+functions[_bitcraps__subcmd__game_commands] )) ||
_bitcraps__subcmd__game_commands() {
    local commands; commands=(
'create:Create a game\: \`--player alice\:1000 --player bob\:500\`' \
'list:List games' \
'watch:Follow a game'\''s events live (JSON lines with --output json); ends when the game finishes' \
'show:Show one game' \
'bet:Place a craps bet\: \`--player alice --on pass --amount 10\`' \
'roll:Roll the dice (the shooter)' \
'act:Any action\: \`act ID --player P hit\`, \`act ID --player P raise 40\`, \`act ID --player P seed MY-CLIENT-SEED\`' \
'verify:Check a finished game\: the seed against the commitment, every roll and shuffle recomputed, and the anchors against the validators' \
'help:Print this message or the help of the given subcommand(s)' \
    )
    _describe -t commands 'bitcraps game commands' commands "$@"
}
(( $+functions[_bitcraps__subcmd__game__subcmd__act_commands] )) ||
_bitcraps__subcmd__game__subcmd__act_commands() {
    local commands; commands=()
    _describe -t commands 'bitcraps game act commands' commands "$@"
}
(( $+functions[_bitcraps__subcmd__game__subcmd__bet_commands] )) ||
_bitcraps__subcmd__game__subcmd__bet_commands() {
    local commands; commands=()
    _describe -t commands 'bitcraps game bet commands' commands "$@"
}
(( $+functions[_bitcraps__subcmd__game__subcmd__create_commands] )) ||
_bitcraps__subcmd__game__subcmd__create_commands() {
    local commands; commands=()
    _describe -t commands 'bitcraps game create commands' commands "$@"
}
(( $+functions[_bitcraps__subcmd__game__subcmd__help_commands] )) ||
_bitcraps__subcmd__game__subcmd__help_commands() {
    local commands; commands=(
'create:Create a game\: \`--player alice\:1000 --player bob\:500\`' \
'list:List games' \
'watch:Follow a game'\''s events live (JSON lines with --output json); ends when the game finishes' \
'show:Show one game' \
'bet:Place a craps bet\: \`--player alice --on pass --amount 10\`' \
'roll:Roll the dice (the shooter)' \
'act:Any action\: \`act ID --player P hit\`, \`act ID --player P raise 40\`, \`act ID --player P seed MY-CLIENT-SEED\`' \
'verify:Check a finished game\: the seed against the commitment, every roll and shuffle recomputed, and the anchors against the validators' \
'help:Print this message or the help of the given subcommand(s)' \
    )
    _describe -t commands 'bitcraps game help commands' commands "$@"
}
(( $+functions[_bitcraps__subcmd__game__subcmd__help__subcmd__act_commands] )) ||
_bitcraps__subcmd__game__subcmd__help__subcmd__act_commands() {
    local commands; commands=()
    _describe -t commands 'bitcraps game help act commands' commands "$@"
}
(( $+functions[_bitcraps__subcmd__game__subcmd__help__subcmd__bet_commands] )) ||
_bitcraps__subcmd__game__subcmd__help__subcmd__bet_commands() {
    local commands; commands=()
    _describe -t commands 'bitcraps game help bet commands' commands "$@"
}
(( $+functions[_bitcraps__subcmd__game__subcmd__help__subcmd__create_commands] )) ||
_bitcraps__subcmd__game__subcmd__help__subcmd__create_commands() {
    local commands; commands=()
    _describe -t commands 'bitcraps game help create commands' commands "$@"
}
(( $+functions[_bitcraps__subcmd__game__subcmd__help__subcmd__help_commands] )) ||
_bitcraps__subcmd__game__subcmd__help__subcmd__help_commands() {
    local commands; commands=()
    _describe -t commands 'bitcraps game help help commands' commands "$@"
}
(( $+functions[_bitcraps__subcmd__game__subcmd__help__subcmd__list_commands] )) ||
_bitcraps__subcmd__game__subcmd__help__subcmd__list_commands() {
    local commands; commands=()
    _describe -t commands 'bitcraps game help list commands' commands "$@"
}
(( $+functions[_bitcraps__subcmd__game__subcmd__help__subcmd__roll_commands] )) ||
_bitcraps__subcmd__game__subcmd__help__subcmd__roll_commands() {
    local commands; commands=()
    _describe -t commands 'bitcraps game help roll commands' commands "$@"
}
(( $+functions[_bitcraps__subcmd__game__subcmd__help__subcmd__show_commands] )) ||
_bitcraps__subcmd__game__subcmd__help__subcmd__show_commands() {
    local commands; commands=()
    _describe -t commands 'bitcraps game help show commands' commands "$@"
}
(( $+functions[_bitcraps__subcmd__game__subcmd__help__subcmd__verify_commands] )) ||
_bitcraps__subcmd__game__subcmd__help__subcmd__verify_commands() {
    local commands; commands=()
    _describe -t commands 'bitcraps game help verify commands' commands "$@"
}
(( $+functions[_bitcraps__subcmd__game__subcmd__help__subcmd__watch_commands] )) ||
_bitcraps__subcmd__game__subcmd__help__subcmd__watch_commands() {
    local commands; commands=()
    _describe -t commands 'bitcraps game help watch commands' commands "$@"
}
(( $+functions[_bitcraps__subcmd__game__subcmd__list_commands] )) ||
_bitcraps__subcmd__game__subcmd__list_commands() {
    local commands; commands=()
    _describe -t commands 'bitcraps game list commands' commands "$@"
}
(( $+functions[_bitcraps__subcmd__game__subcmd__roll_commands] )) ||
_bitcraps__subcmd__game__subcmd__roll_commands() {
    local commands; commands=()
    _describe -t commands 'bitcraps game roll commands' commands "$@"
}
(( $+functions[_bitcraps__subcmd__game__subcmd__show_commands] )) ||
_bitcraps__subcmd__game__subcmd__show_commands() {
    local commands; commands=()
    _describe -t commands 'bitcraps game show commands' commands "$@"
}
(( $+functions[_bitcraps__subcmd__game__subcmd__verify_commands] )) ||
_bitcraps__subcmd__game__subcmd__verify_commands() {
    local commands; commands=()
    _describe -t commands 'bitcraps game verify commands' commands "$@"
}
(( $+functions[_bitcraps__subcmd__game__subcmd__watch_commands] )) ||
_bitcraps__subcmd__game__subcmd__watch_commands() {
    local commands; commands=()
    _describe -t commands 'bitcraps game watch commands' commands "$@"
}
(( $+functions[_bitcraps__subcmd__help_commands] )) ||
_bitcraps__subcmd__help_commands() {
    local commands; commands=(
'up:Start every service in dependency order and supervise it' \
'down:Stop every service (SIGTERM, then SIGKILL after --timeout)' \
'ps:List the supervised services\: pid, state, health, uptime, restarts' \
'logs:Show service logs' \
'restart:Stop and start services, waiting until they are ready again' \
'stop:Stop services and keep them stopped (the supervisor and the other services go on) until \`start\` or \`restart\`' \
'start:Start services that are stopped or failed, waiting until they are ready (running ones are left alone)' \
'config:Show, check or print the configuration' \
'auth:Mint credentials' \
'certs:The services'\'' TLS certificates' \
'sandbox:What each service can open once it has confined itself (Landlock), and a probe that asks the kernel' \
'game:Create, play, watch and verify games through the gateway' \
'consensus:Propose, inspect and verify consensus through the gateway' \
'wallet:Deposit, withdraw, move and audit chips in the wallet through the gateway' \
'keys:Validator keys' \
'bench:Measure a running system' \
'serve:Run one service in the foreground (what the supervisor spawns)' \
'tui:Live dashboard\: services, games, validators, gateway, metrics' \
'completions:Print shell completions (bash, zsh, fish, elvish, powershell)' \
'manpage:Print the man page (roff), or write one page per command into a directory (\`man/\` holds them generated; a test keeps them current)' \
'help:Print this message or the help of the given subcommand(s)' \
    )
    _describe -t commands 'bitcraps help commands' commands "$@"
}
(( $+functions[_bitcraps__subcmd__help__subcmd__auth_commands] )) ||
_bitcraps__subcmd__help__subcmd__auth_commands() {
    local commands; commands=(
'token:Mint a token (EdDSA) signed with the issuer key (the configured one, else the state dir'\''s); HS256 with the secret under the opt-in' \
'revoke:Revoke a token by its id (\`jti\`); every service refuses it within a second' \
'rotate:Add a new issuer key\: new tokens are signed with it, tokens of the old keys stay valid while those keys are in the set. \`--retire KID\` removes a key instead' \
'keys:List the keys of the set (kid, scope)' \
'service-key:Make (or show) each service NAME'\''s own signing key and list it in the set with its one role, for services started outside \`bitcraps up\` (the compose file'\''s \`keys\` step)' \
'apikey:API keys\: create (shown once), list, revoke' \
    )
    _describe -t commands 'bitcraps help auth commands' commands "$@"
}
(( $+functions[_bitcraps__subcmd__help__subcmd__auth__subcmd__apikey_commands] )) ||
_bitcraps__subcmd__help__subcmd__auth__subcmd__apikey_commands() {
    local commands; commands=(
'create:Create a key; it is printed once and stored only as a hash' \
'list:List keys (never the keys themselves)' \
'revoke:Revoke a key by id; it stops working on the next request' \
    )
    _describe -t commands 'bitcraps help auth apikey commands' commands "$@"
}
(( $+functions[_bitcraps__subcmd__help__subcmd__auth__subcmd__apikey__subcmd__create_commands] )) ||
_bitcraps__subcmd__help__subcmd__auth__subcmd__apikey__subcmd__create_commands() {
    local commands; commands=()
    _describe -t commands 'bitcraps help auth apikey create commands' commands "$@"
}
(( $+functions[_bitcraps__subcmd__help__subcmd__auth__subcmd__apikey__subcmd__list_commands] )) ||
_bitcraps__subcmd__help__subcmd__auth__subcmd__apikey__subcmd__list_commands() {
    local commands; commands=()
    _describe -t commands 'bitcraps help auth apikey list commands' commands "$@"
}
(( $+functions[_bitcraps__subcmd__help__subcmd__auth__subcmd__apikey__subcmd__revoke_commands] )) ||
_bitcraps__subcmd__help__subcmd__auth__subcmd__apikey__subcmd__revoke_commands() {
    local commands; commands=()
    _describe -t commands 'bitcraps help auth apikey revoke commands' commands "$@"
}
(( $+functions[_bitcraps__subcmd__help__subcmd__auth__subcmd__keys_commands] )) ||
_bitcraps__subcmd__help__subcmd__auth__subcmd__keys_commands() {
    local commands; commands=()
    _describe -t commands 'bitcraps help auth keys commands' commands "$@"
}
(( $+functions[_bitcraps__subcmd__help__subcmd__auth__subcmd__revoke_commands] )) ||
_bitcraps__subcmd__help__subcmd__auth__subcmd__revoke_commands() {
    local commands; commands=()
    _describe -t commands 'bitcraps help auth revoke commands' commands "$@"
}
(( $+functions[_bitcraps__subcmd__help__subcmd__auth__subcmd__rotate_commands] )) ||
_bitcraps__subcmd__help__subcmd__auth__subcmd__rotate_commands() {
    local commands; commands=()
    _describe -t commands 'bitcraps help auth rotate commands' commands "$@"
}
(( $+functions[_bitcraps__subcmd__help__subcmd__auth__subcmd__service-key_commands] )) ||
_bitcraps__subcmd__help__subcmd__auth__subcmd__service-key_commands() {
    local commands; commands=()
    _describe -t commands 'bitcraps help auth service-key commands' commands "$@"
}
(( $+functions[_bitcraps__subcmd__help__subcmd__auth__subcmd__token_commands] )) ||
_bitcraps__subcmd__help__subcmd__auth__subcmd__token_commands() {
    local commands; commands=()
    _describe -t commands 'bitcraps help auth token commands' commands "$@"
}
(( $+functions[_bitcraps__subcmd__help__subcmd__bench_commands] )) ||
_bitcraps__subcmd__help__subcmd__bench_commands() {
    local commands; commands=(
'engine:Actions per second and latency through the engine'\''s HTTP API' \
'consensus:Commit latency and throughput of the validators; optionally the gap in commits when the leader is killed' \
'gateway:A request mix through the gateway (or any --target), open loop at --rate or closed loop to saturation, with pass/fail thresholds' \
'wallet:Transfers per second and latency through the wallet'\''s HTTP API, closed loop or open loop at --rate' \
'all:engine, consensus and gateway one after the other, each for --duration' \
    )
    _describe -t commands 'bitcraps help bench commands' commands "$@"
}
(( $+functions[_bitcraps__subcmd__help__subcmd__bench__subcmd__all_commands] )) ||
_bitcraps__subcmd__help__subcmd__bench__subcmd__all_commands() {
    local commands; commands=()
    _describe -t commands 'bitcraps help bench all commands' commands "$@"
}
(( $+functions[_bitcraps__subcmd__help__subcmd__bench__subcmd__consensus_commands] )) ||
_bitcraps__subcmd__help__subcmd__bench__subcmd__consensus_commands() {
    local commands; commands=()
    _describe -t commands 'bitcraps help bench consensus commands' commands "$@"
}
(( $+functions[_bitcraps__subcmd__help__subcmd__bench__subcmd__engine_commands] )) ||
_bitcraps__subcmd__help__subcmd__bench__subcmd__engine_commands() {
    local commands; commands=()
    _describe -t commands 'bitcraps help bench engine commands' commands "$@"
}
(( $+functions[_bitcraps__subcmd__help__subcmd__bench__subcmd__gateway_commands] )) ||
_bitcraps__subcmd__help__subcmd__bench__subcmd__gateway_commands() {
    local commands; commands=()
    _describe -t commands 'bitcraps help bench gateway commands' commands "$@"
}
(( $+functions[_bitcraps__subcmd__help__subcmd__bench__subcmd__wallet_commands] )) ||
_bitcraps__subcmd__help__subcmd__bench__subcmd__wallet_commands() {
    local commands; commands=()
    _describe -t commands 'bitcraps help bench wallet commands' commands "$@"
}
(( $+functions[_bitcraps__subcmd__help__subcmd__certs_commands] )) ||
_bitcraps__subcmd__help__subcmd__certs_commands() {
    local commands; commands=(
'rotate:Make a new certificate and key for every instance and the \`cli\` identity, signed by the same CA, each file replaced atomically. Running services load theirs within a second, for new connections; requests in flight finish on the old ones' \
'issue:Make the state dir'\''s CA (when there is none) and a certificate for each named instance, keeping those still valid for their names (for hosts where each service is started on its own, e.g. the compose file'\''s \`certs\` step; \`up\` does this itself)' \
    )
    _describe -t commands 'bitcraps help certs commands' commands "$@"
}
(( $+functions[_bitcraps__subcmd__help__subcmd__certs__subcmd__issue_commands] )) ||
_bitcraps__subcmd__help__subcmd__certs__subcmd__issue_commands() {
    local commands; commands=()
    _describe -t commands 'bitcraps help certs issue commands' commands "$@"
}
(( $+functions[_bitcraps__subcmd__help__subcmd__certs__subcmd__rotate_commands] )) ||
_bitcraps__subcmd__help__subcmd__certs__subcmd__rotate_commands() {
    local commands; commands=()
    _describe -t commands 'bitcraps help certs rotate commands' commands "$@"
}
(( $+functions[_bitcraps__subcmd__help__subcmd__completions_commands] )) ||
_bitcraps__subcmd__help__subcmd__completions_commands() {
    local commands; commands=()
    _describe -t commands 'bitcraps help completions commands' commands "$@"
}
(( $+functions[_bitcraps__subcmd__help__subcmd__config_commands] )) ||
_bitcraps__subcmd__help__subcmd__config_commands() {
    local commands; commands=(
'show:Print the effective configuration and where each value came from' \
'check:Validate a configuration file (the environment is not consulted)' \
'default:Print the documented default configuration (config/bitcraps.toml)' \
    )
    _describe -t commands 'bitcraps help config commands' commands "$@"
}
(( $+functions[_bitcraps__subcmd__help__subcmd__config__subcmd__check_commands] )) ||
_bitcraps__subcmd__help__subcmd__config__subcmd__check_commands() {
    local commands; commands=()
    _describe -t commands 'bitcraps help config check commands' commands "$@"
}
(( $+functions[_bitcraps__subcmd__help__subcmd__config__subcmd__default_commands] )) ||
_bitcraps__subcmd__help__subcmd__config__subcmd__default_commands() {
    local commands; commands=()
    _describe -t commands 'bitcraps help config default commands' commands "$@"
}
(( $+functions[_bitcraps__subcmd__help__subcmd__config__subcmd__show_commands] )) ||
_bitcraps__subcmd__help__subcmd__config__subcmd__show_commands() {
    local commands; commands=()
    _describe -t commands 'bitcraps help config show commands' commands "$@"
}
(( $+functions[_bitcraps__subcmd__help__subcmd__consensus_commands] )) ||
_bitcraps__subcmd__help__subcmd__consensus_commands() {
    local commands; commands=(
'propose:Order a JSON payload through the validators' \
'status:Height, view, leader and each validator'\''s last vote' \
'blocks:Committed blocks with their certificates (JSON lines with --output json)' \
'evidence:Byzantine evidence the validators recorded' \
'validators:The validator set\: list, add, remove, set-power (admin)' \
'vote:Sign a vote with a validator key file and submit it (POST /vote)' \
'verify:Check a block'\''s quorum certificate, trusting only the genesis\: every validator set change on the way is checked against the set before it' \
    )
    _describe -t commands 'bitcraps help consensus commands' commands "$@"
}
(( $+functions[_bitcraps__subcmd__help__subcmd__consensus__subcmd__blocks_commands] )) ||
_bitcraps__subcmd__help__subcmd__consensus__subcmd__blocks_commands() {
    local commands; commands=()
    _describe -t commands 'bitcraps help consensus blocks commands' commands "$@"
}
(( $+functions[_bitcraps__subcmd__help__subcmd__consensus__subcmd__evidence_commands] )) ||
_bitcraps__subcmd__help__subcmd__consensus__subcmd__evidence_commands() {
    local commands; commands=()
    _describe -t commands 'bitcraps help consensus evidence commands' commands "$@"
}
(( $+functions[_bitcraps__subcmd__help__subcmd__consensus__subcmd__propose_commands] )) ||
_bitcraps__subcmd__help__subcmd__consensus__subcmd__propose_commands() {
    local commands; commands=()
    _describe -t commands 'bitcraps help consensus propose commands' commands "$@"
}
(( $+functions[_bitcraps__subcmd__help__subcmd__consensus__subcmd__status_commands] )) ||
_bitcraps__subcmd__help__subcmd__consensus__subcmd__status_commands() {
    local commands; commands=()
    _describe -t commands 'bitcraps help consensus status commands' commands "$@"
}
(( $+functions[_bitcraps__subcmd__help__subcmd__consensus__subcmd__validators_commands] )) ||
_bitcraps__subcmd__help__subcmd__consensus__subcmd__validators_commands() {
    local commands; commands=(
'list:The current set\: epoch, members, power, address, and past changes' \
'add:Add a validator (effective at the height after its block)' \
'remove:Remove a validator (the current leader too)' \
'set-power:Change a validator'\''s voting power' \
    )
    _describe -t commands 'bitcraps help consensus validators commands' commands "$@"
}
(( $+functions[_bitcraps__subcmd__help__subcmd__consensus__subcmd__validators__subcmd__add_commands] )) ||
_bitcraps__subcmd__help__subcmd__consensus__subcmd__validators__subcmd__add_commands() {
    local commands; commands=()
    _describe -t commands 'bitcraps help consensus validators add commands' commands "$@"
}
(( $+functions[_bitcraps__subcmd__help__subcmd__consensus__subcmd__validators__subcmd__list_commands] )) ||
_bitcraps__subcmd__help__subcmd__consensus__subcmd__validators__subcmd__list_commands() {
    local commands; commands=()
    _describe -t commands 'bitcraps help consensus validators list commands' commands "$@"
}
(( $+functions[_bitcraps__subcmd__help__subcmd__consensus__subcmd__validators__subcmd__remove_commands] )) ||
_bitcraps__subcmd__help__subcmd__consensus__subcmd__validators__subcmd__remove_commands() {
    local commands; commands=()
    _describe -t commands 'bitcraps help consensus validators remove commands' commands "$@"
}
(( $+functions[_bitcraps__subcmd__help__subcmd__consensus__subcmd__validators__subcmd__set-power_commands] )) ||
_bitcraps__subcmd__help__subcmd__consensus__subcmd__validators__subcmd__set-power_commands() {
    local commands; commands=()
    _describe -t commands 'bitcraps help consensus validators set-power commands' commands "$@"
}
(( $+functions[_bitcraps__subcmd__help__subcmd__consensus__subcmd__verify_commands] )) ||
_bitcraps__subcmd__help__subcmd__consensus__subcmd__verify_commands() {
    local commands; commands=()
    _describe -t commands 'bitcraps help consensus verify commands' commands "$@"
}
(( $+functions[_bitcraps__subcmd__help__subcmd__consensus__subcmd__vote_commands] )) ||
_bitcraps__subcmd__help__subcmd__consensus__subcmd__vote_commands() {
    local commands; commands=()
    _describe -t commands 'bitcraps help consensus vote commands' commands "$@"
}
(( $+functions[_bitcraps__subcmd__help__subcmd__down_commands] )) ||
_bitcraps__subcmd__help__subcmd__down_commands() {
    local commands; commands=()
    _describe -t commands 'bitcraps help down commands' commands "$@"
}
(( $+functions[_bitcraps__subcmd__help__subcmd__game_commands] )) ||
_bitcraps__subcmd__help__subcmd__game_commands() {
    local commands; commands=(
'create:Create a game\: \`--player alice\:1000 --player bob\:500\`' \
'list:List games' \
'watch:Follow a game'\''s events live (JSON lines with --output json); ends when the game finishes' \
'show:Show one game' \
'bet:Place a craps bet\: \`--player alice --on pass --amount 10\`' \
'roll:Roll the dice (the shooter)' \
'act:Any action\: \`act ID --player P hit\`, \`act ID --player P raise 40\`, \`act ID --player P seed MY-CLIENT-SEED\`' \
'verify:Check a finished game\: the seed against the commitment, every roll and shuffle recomputed, and the anchors against the validators' \
    )
    _describe -t commands 'bitcraps help game commands' commands "$@"
}
(( $+functions[_bitcraps__subcmd__help__subcmd__game__subcmd__act_commands] )) ||
_bitcraps__subcmd__help__subcmd__game__subcmd__act_commands() {
    local commands; commands=()
    _describe -t commands 'bitcraps help game act commands' commands "$@"
}
(( $+functions[_bitcraps__subcmd__help__subcmd__game__subcmd__bet_commands] )) ||
_bitcraps__subcmd__help__subcmd__game__subcmd__bet_commands() {
    local commands; commands=()
    _describe -t commands 'bitcraps help game bet commands' commands "$@"
}
(( $+functions[_bitcraps__subcmd__help__subcmd__game__subcmd__create_commands] )) ||
_bitcraps__subcmd__help__subcmd__game__subcmd__create_commands() {
    local commands; commands=()
    _describe -t commands 'bitcraps help game create commands' commands "$@"
}
(( $+functions[_bitcraps__subcmd__help__subcmd__game__subcmd__list_commands] )) ||
_bitcraps__subcmd__help__subcmd__game__subcmd__list_commands() {
    local commands; commands=()
    _describe -t commands 'bitcraps help game list commands' commands "$@"
}
(( $+functions[_bitcraps__subcmd__help__subcmd__game__subcmd__roll_commands] )) ||
_bitcraps__subcmd__help__subcmd__game__subcmd__roll_commands() {
    local commands; commands=()
    _describe -t commands 'bitcraps help game roll commands' commands "$@"
}
(( $+functions[_bitcraps__subcmd__help__subcmd__game__subcmd__show_commands] )) ||
_bitcraps__subcmd__help__subcmd__game__subcmd__show_commands() {
    local commands; commands=()
    _describe -t commands 'bitcraps help game show commands' commands "$@"
}
(( $+functions[_bitcraps__subcmd__help__subcmd__game__subcmd__verify_commands] )) ||
_bitcraps__subcmd__help__subcmd__game__subcmd__verify_commands() {
    local commands; commands=()
    _describe -t commands 'bitcraps help game verify commands' commands "$@"
}
(( $+functions[_bitcraps__subcmd__help__subcmd__game__subcmd__watch_commands] )) ||
_bitcraps__subcmd__help__subcmd__game__subcmd__watch_commands() {
    local commands; commands=()
    _describe -t commands 'bitcraps help game watch commands' commands "$@"
}
(( $+functions[_bitcraps__subcmd__help__subcmd__help_commands] )) ||
_bitcraps__subcmd__help__subcmd__help_commands() {
    local commands; commands=()
    _describe -t commands 'bitcraps help help commands' commands "$@"
}
(( $+functions[_bitcraps__subcmd__help__subcmd__keys_commands] )) ||
_bitcraps__subcmd__help__subcmd__keys_commands() {
    local commands; commands=(
'generate:Generate an ed25519 validator key' \
    )
    _describe -t commands 'bitcraps help keys commands' commands "$@"
}
(( $+functions[_bitcraps__subcmd__help__subcmd__keys__subcmd__generate_commands] )) ||
_bitcraps__subcmd__help__subcmd__keys__subcmd__generate_commands() {
    local commands; commands=()
    _describe -t commands 'bitcraps help keys generate commands' commands "$@"
}
(( $+functions[_bitcraps__subcmd__help__subcmd__logs_commands] )) ||
_bitcraps__subcmd__help__subcmd__logs_commands() {
    local commands; commands=()
    _describe -t commands 'bitcraps help logs commands' commands "$@"
}
(( $+functions[_bitcraps__subcmd__help__subcmd__manpage_commands] )) ||
_bitcraps__subcmd__help__subcmd__manpage_commands() {
    local commands; commands=()
    _describe -t commands 'bitcraps help manpage commands' commands "$@"
}
(( $+functions[_bitcraps__subcmd__help__subcmd__ps_commands] )) ||
_bitcraps__subcmd__help__subcmd__ps_commands() {
    local commands; commands=()
    _describe -t commands 'bitcraps help ps commands' commands "$@"
}
(( $+functions[_bitcraps__subcmd__help__subcmd__restart_commands] )) ||
_bitcraps__subcmd__help__subcmd__restart_commands() {
    local commands; commands=()
    _describe -t commands 'bitcraps help restart commands' commands "$@"
}
(( $+functions[_bitcraps__subcmd__help__subcmd__sandbox_commands] )) ||
_bitcraps__subcmd__help__subcmd__sandbox_commands() {
    local commands; commands=(
'show:List what INSTANCE may open once confined\: each path, its access (read, read_exec, read_write) and why' \
'probe:Confine this process exactly as INSTANCE confines itself, then try to open every file under the state dir\: what the kernel lets that service read. Exit 6 when a file meant to be out of its reach (a private key, another service'\''s data) could be read, for instance on a kernel without Landlock' \
    )
    _describe -t commands 'bitcraps help sandbox commands' commands "$@"
}
(( $+functions[_bitcraps__subcmd__help__subcmd__sandbox__subcmd__probe_commands] )) ||
_bitcraps__subcmd__help__subcmd__sandbox__subcmd__probe_commands() {
    local commands; commands=()
    _describe -t commands 'bitcraps help sandbox probe commands' commands "$@"
}
(( $+functions[_bitcraps__subcmd__help__subcmd__sandbox__subcmd__show_commands] )) ||
_bitcraps__subcmd__help__subcmd__sandbox__subcmd__show_commands() {
    local commands; commands=()
    _describe -t commands 'bitcraps help sandbox show commands' commands "$@"
}
(( $+functions[_bitcraps__subcmd__help__subcmd__serve_commands] )) ||
_bitcraps__subcmd__help__subcmd__serve_commands() {
    local commands; commands=()
    _describe -t commands 'bitcraps help serve commands' commands "$@"
}
(( $+functions[_bitcraps__subcmd__help__subcmd__start_commands] )) ||
_bitcraps__subcmd__help__subcmd__start_commands() {
    local commands; commands=()
    _describe -t commands 'bitcraps help start commands' commands "$@"
}
(( $+functions[_bitcraps__subcmd__help__subcmd__stop_commands] )) ||
_bitcraps__subcmd__help__subcmd__stop_commands() {
    local commands; commands=()
    _describe -t commands 'bitcraps help stop commands' commands "$@"
}
(( $+functions[_bitcraps__subcmd__help__subcmd__tui_commands] )) ||
_bitcraps__subcmd__help__subcmd__tui_commands() {
    local commands; commands=()
    _describe -t commands 'bitcraps help tui commands' commands "$@"
}
(( $+functions[_bitcraps__subcmd__help__subcmd__up_commands] )) ||
_bitcraps__subcmd__help__subcmd__up_commands() {
    local commands; commands=()
    _describe -t commands 'bitcraps help up commands' commands "$@"
}
(( $+functions[_bitcraps__subcmd__help__subcmd__wallet_commands] )) ||
_bitcraps__subcmd__help__subcmd__wallet_commands() {
    local commands; commands=(
'deposit:Deposit chips\: issuance → ACCOUNT (cashier or admin). Opens a player'\''s account on its first deposit' \
'withdraw:Withdraw chips\: ACCOUNT → issuance (cashier or admin)' \
'transfer:Move chips from one account to another (players move only their own chips, to another player)' \
'balance:An account'\''s balance (default\: your own player\:<sub>; for cashiers and admins, every account)' \
'history:An account'\''s transfers, oldest first (default\: your own account; for cashiers and admins, the whole log)' \
'audit:Export the whole log and every account, recompute the hash chain and every balance here, compare with the wallet'\''s own audit and summary (cashier or admin), and check every \`wallet.anchor\` in the validators'\'' blocks (through the gateway) against the log. Exit 6 on any mismatch' \
    )
    _describe -t commands 'bitcraps help wallet commands' commands "$@"
}
(( $+functions[_bitcraps__subcmd__help__subcmd__wallet__subcmd__audit_commands] )) ||
_bitcraps__subcmd__help__subcmd__wallet__subcmd__audit_commands() {
    local commands; commands=()
    _describe -t commands 'bitcraps help wallet audit commands' commands "$@"
}
(( $+functions[_bitcraps__subcmd__help__subcmd__wallet__subcmd__balance_commands] )) ||
_bitcraps__subcmd__help__subcmd__wallet__subcmd__balance_commands() {
    local commands; commands=()
    _describe -t commands 'bitcraps help wallet balance commands' commands "$@"
}
(( $+functions[_bitcraps__subcmd__help__subcmd__wallet__subcmd__deposit_commands] )) ||
_bitcraps__subcmd__help__subcmd__wallet__subcmd__deposit_commands() {
    local commands; commands=()
    _describe -t commands 'bitcraps help wallet deposit commands' commands "$@"
}
(( $+functions[_bitcraps__subcmd__help__subcmd__wallet__subcmd__history_commands] )) ||
_bitcraps__subcmd__help__subcmd__wallet__subcmd__history_commands() {
    local commands; commands=()
    _describe -t commands 'bitcraps help wallet history commands' commands "$@"
}
(( $+functions[_bitcraps__subcmd__help__subcmd__wallet__subcmd__transfer_commands] )) ||
_bitcraps__subcmd__help__subcmd__wallet__subcmd__transfer_commands() {
    local commands; commands=()
    _describe -t commands 'bitcraps help wallet transfer commands' commands "$@"
}
(( $+functions[_bitcraps__subcmd__help__subcmd__wallet__subcmd__withdraw_commands] )) ||
_bitcraps__subcmd__help__subcmd__wallet__subcmd__withdraw_commands() {
    local commands; commands=()
    _describe -t commands 'bitcraps help wallet withdraw commands' commands "$@"
}
(( $+functions[_bitcraps__subcmd__keys_commands] )) ||
_bitcraps__subcmd__keys_commands() {
    local commands; commands=(
'generate:Generate an ed25519 validator key' \
'help:Print this message or the help of the given subcommand(s)' \
    )
    _describe -t commands 'bitcraps keys commands' commands "$@"
}
(( $+functions[_bitcraps__subcmd__keys__subcmd__generate_commands] )) ||
_bitcraps__subcmd__keys__subcmd__generate_commands() {
    local commands; commands=()
    _describe -t commands 'bitcraps keys generate commands' commands "$@"
}
(( $+functions[_bitcraps__subcmd__keys__subcmd__help_commands] )) ||
_bitcraps__subcmd__keys__subcmd__help_commands() {
    local commands; commands=(
'generate:Generate an ed25519 validator key' \
'help:Print this message or the help of the given subcommand(s)' \
    )
    _describe -t commands 'bitcraps keys help commands' commands "$@"
}
(( $+functions[_bitcraps__subcmd__keys__subcmd__help__subcmd__generate_commands] )) ||
_bitcraps__subcmd__keys__subcmd__help__subcmd__generate_commands() {
    local commands; commands=()
    _describe -t commands 'bitcraps keys help generate commands' commands "$@"
}
(( $+functions[_bitcraps__subcmd__keys__subcmd__help__subcmd__help_commands] )) ||
_bitcraps__subcmd__keys__subcmd__help__subcmd__help_commands() {
    local commands; commands=()
    _describe -t commands 'bitcraps keys help help commands' commands "$@"
}
(( $+functions[_bitcraps__subcmd__logs_commands] )) ||
_bitcraps__subcmd__logs_commands() {
    local commands; commands=()
    _describe -t commands 'bitcraps logs commands' commands "$@"
}
(( $+functions[_bitcraps__subcmd__manpage_commands] )) ||
_bitcraps__subcmd__manpage_commands() {
    local commands; commands=()
    _describe -t commands 'bitcraps manpage commands' commands "$@"
}
(( $+functions[_bitcraps__subcmd__ps_commands] )) ||
_bitcraps__subcmd__ps_commands() {
    local commands; commands=()
    _describe -t commands 'bitcraps ps commands' commands "$@"
}
(( $+functions[_bitcraps__subcmd__restart_commands] )) ||
_bitcraps__subcmd__restart_commands() {
    local commands; commands=()
    _describe -t commands 'bitcraps restart commands' commands "$@"
}
(( $+functions[_bitcraps__subcmd__sandbox_commands] )) ||
_bitcraps__subcmd__sandbox_commands() {
    local commands; commands=(
'show:List what INSTANCE may open once confined\: each path, its access (read, read_exec, read_write) and why' \
'probe:Confine this process exactly as INSTANCE confines itself, then try to open every file under the state dir\: what the kernel lets that service read. Exit 6 when a file meant to be out of its reach (a private key, another service'\''s data) could be read, for instance on a kernel without Landlock' \
'help:Print this message or the help of the given subcommand(s)' \
    )
    _describe -t commands 'bitcraps sandbox commands' commands "$@"
}
(( $+functions[_bitcraps__subcmd__sandbox__subcmd__help_commands] )) ||
_bitcraps__subcmd__sandbox__subcmd__help_commands() {
    local commands; commands=(
'show:List what INSTANCE may open once confined\: each path, its access (read, read_exec, read_write) and why' \
'probe:Confine this process exactly as INSTANCE confines itself, then try to open every file under the state dir\: what the kernel lets that service read. Exit 6 when a file meant to be out of its reach (a private key, another service'\''s data) could be read, for instance on a kernel without Landlock' \
'help:Print this message or the help of the given subcommand(s)' \
    )
    _describe -t commands 'bitcraps sandbox help commands' commands "$@"
}
(( $+functions[_bitcraps__subcmd__sandbox__subcmd__help__subcmd__help_commands] )) ||
_bitcraps__subcmd__sandbox__subcmd__help__subcmd__help_commands() {
    local commands; commands=()
    _describe -t commands 'bitcraps sandbox help help commands' commands "$@"
}
(( $+functions[_bitcraps__subcmd__sandbox__subcmd__help__subcmd__probe_commands] )) ||
_bitcraps__subcmd__sandbox__subcmd__help__subcmd__probe_commands() {
    local commands; commands=()
    _describe -t commands 'bitcraps sandbox help probe commands' commands "$@"
}
(( $+functions[_bitcraps__subcmd__sandbox__subcmd__help__subcmd__show_commands] )) ||
_bitcraps__subcmd__sandbox__subcmd__help__subcmd__show_commands() {
    local commands; commands=()
    _describe -t commands 'bitcraps sandbox help show commands' commands "$@"
}
(( $+functions[_bitcraps__subcmd__sandbox__subcmd__probe_commands] )) ||
_bitcraps__subcmd__sandbox__subcmd__probe_commands() {
    local commands; commands=()
    _describe -t commands 'bitcraps sandbox probe commands' commands "$@"
}
(( $+functions[_bitcraps__subcmd__sandbox__subcmd__show_commands] )) ||
_bitcraps__subcmd__sandbox__subcmd__show_commands() {
    local commands; commands=()
    _describe -t commands 'bitcraps sandbox show commands' commands "$@"
}
(( $+functions[_bitcraps__subcmd__serve_commands] )) ||
_bitcraps__subcmd__serve_commands() {
    local commands; commands=()
    _describe -t commands 'bitcraps serve commands' commands "$@"
}
(( $+functions[_bitcraps__subcmd__start_commands] )) ||
_bitcraps__subcmd__start_commands() {
    local commands; commands=()
    _describe -t commands 'bitcraps start commands' commands "$@"
}
(( $+functions[_bitcraps__subcmd__stop_commands] )) ||
_bitcraps__subcmd__stop_commands() {
    local commands; commands=()
    _describe -t commands 'bitcraps stop commands' commands "$@"
}
(( $+functions[_bitcraps__subcmd__tui_commands] )) ||
_bitcraps__subcmd__tui_commands() {
    local commands; commands=()
    _describe -t commands 'bitcraps tui commands' commands "$@"
}
(( $+functions[_bitcraps__subcmd__up_commands] )) ||
_bitcraps__subcmd__up_commands() {
    local commands; commands=()
    _describe -t commands 'bitcraps up commands' commands "$@"
}
(( $+functions[_bitcraps__subcmd__wallet_commands] )) ||
_bitcraps__subcmd__wallet_commands() {
    local commands; commands=(
'deposit:Deposit chips\: issuance → ACCOUNT (cashier or admin). Opens a player'\''s account on its first deposit' \
'withdraw:Withdraw chips\: ACCOUNT → issuance (cashier or admin)' \
'transfer:Move chips from one account to another (players move only their own chips, to another player)' \
'balance:An account'\''s balance (default\: your own player\:<sub>; for cashiers and admins, every account)' \
'history:An account'\''s transfers, oldest first (default\: your own account; for cashiers and admins, the whole log)' \
'audit:Export the whole log and every account, recompute the hash chain and every balance here, compare with the wallet'\''s own audit and summary (cashier or admin), and check every \`wallet.anchor\` in the validators'\'' blocks (through the gateway) against the log. Exit 6 on any mismatch' \
'help:Print this message or the help of the given subcommand(s)' \
    )
    _describe -t commands 'bitcraps wallet commands' commands "$@"
}
(( $+functions[_bitcraps__subcmd__wallet__subcmd__audit_commands] )) ||
_bitcraps__subcmd__wallet__subcmd__audit_commands() {
    local commands; commands=()
    _describe -t commands 'bitcraps wallet audit commands' commands "$@"
}
(( $+functions[_bitcraps__subcmd__wallet__subcmd__balance_commands] )) ||
_bitcraps__subcmd__wallet__subcmd__balance_commands() {
    local commands; commands=()
    _describe -t commands 'bitcraps wallet balance commands' commands "$@"
}
(( $+functions[_bitcraps__subcmd__wallet__subcmd__deposit_commands] )) ||
_bitcraps__subcmd__wallet__subcmd__deposit_commands() {
    local commands; commands=()
    _describe -t commands 'bitcraps wallet deposit commands' commands "$@"
}
(( $+functions[_bitcraps__subcmd__wallet__subcmd__help_commands] )) ||
_bitcraps__subcmd__wallet__subcmd__help_commands() {
    local commands; commands=(
'deposit:Deposit chips\: issuance → ACCOUNT (cashier or admin). Opens a player'\''s account on its first deposit' \
'withdraw:Withdraw chips\: ACCOUNT → issuance (cashier or admin)' \
'transfer:Move chips from one account to another (players move only their own chips, to another player)' \
'balance:An account'\''s balance (default\: your own player\:<sub>; for cashiers and admins, every account)' \
'history:An account'\''s transfers, oldest first (default\: your own account; for cashiers and admins, the whole log)' \
'audit:Export the whole log and every account, recompute the hash chain and every balance here, compare with the wallet'\''s own audit and summary (cashier or admin), and check every \`wallet.anchor\` in the validators'\'' blocks (through the gateway) against the log. Exit 6 on any mismatch' \
'help:Print this message or the help of the given subcommand(s)' \
    )
    _describe -t commands 'bitcraps wallet help commands' commands "$@"
}
(( $+functions[_bitcraps__subcmd__wallet__subcmd__help__subcmd__audit_commands] )) ||
_bitcraps__subcmd__wallet__subcmd__help__subcmd__audit_commands() {
    local commands; commands=()
    _describe -t commands 'bitcraps wallet help audit commands' commands "$@"
}
(( $+functions[_bitcraps__subcmd__wallet__subcmd__help__subcmd__balance_commands] )) ||
_bitcraps__subcmd__wallet__subcmd__help__subcmd__balance_commands() {
    local commands; commands=()
    _describe -t commands 'bitcraps wallet help balance commands' commands "$@"
}
(( $+functions[_bitcraps__subcmd__wallet__subcmd__help__subcmd__deposit_commands] )) ||
_bitcraps__subcmd__wallet__subcmd__help__subcmd__deposit_commands() {
    local commands; commands=()
    _describe -t commands 'bitcraps wallet help deposit commands' commands "$@"
}
(( $+functions[_bitcraps__subcmd__wallet__subcmd__help__subcmd__help_commands] )) ||
_bitcraps__subcmd__wallet__subcmd__help__subcmd__help_commands() {
    local commands; commands=()
    _describe -t commands 'bitcraps wallet help help commands' commands "$@"
}
(( $+functions[_bitcraps__subcmd__wallet__subcmd__help__subcmd__history_commands] )) ||
_bitcraps__subcmd__wallet__subcmd__help__subcmd__history_commands() {
    local commands; commands=()
    _describe -t commands 'bitcraps wallet help history commands' commands "$@"
}
(( $+functions[_bitcraps__subcmd__wallet__subcmd__help__subcmd__transfer_commands] )) ||
_bitcraps__subcmd__wallet__subcmd__help__subcmd__transfer_commands() {
    local commands; commands=()
    _describe -t commands 'bitcraps wallet help transfer commands' commands "$@"
}
(( $+functions[_bitcraps__subcmd__wallet__subcmd__help__subcmd__withdraw_commands] )) ||
_bitcraps__subcmd__wallet__subcmd__help__subcmd__withdraw_commands() {
    local commands; commands=()
    _describe -t commands 'bitcraps wallet help withdraw commands' commands "$@"
}
(( $+functions[_bitcraps__subcmd__wallet__subcmd__history_commands] )) ||
_bitcraps__subcmd__wallet__subcmd__history_commands() {
    local commands; commands=()
    _describe -t commands 'bitcraps wallet history commands' commands "$@"
}
(( $+functions[_bitcraps__subcmd__wallet__subcmd__transfer_commands] )) ||
_bitcraps__subcmd__wallet__subcmd__transfer_commands() {
    local commands; commands=()
    _describe -t commands 'bitcraps wallet transfer commands' commands "$@"
}
(( $+functions[_bitcraps__subcmd__wallet__subcmd__withdraw_commands] )) ||
_bitcraps__subcmd__wallet__subcmd__withdraw_commands() {
    local commands; commands=()
    _describe -t commands 'bitcraps wallet withdraw commands' commands "$@"
}

if [ "$funcstack[1]" = "_bitcraps" ]; then
    _bitcraps "$@"
else
    compdef _bitcraps bitcraps
fi
