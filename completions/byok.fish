# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_byok_global_optspecs
    string join \n profile= json color= q/quiet v/verbose h/help V/version
end

function __fish_byok_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_byok_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_byok_using_subcommand
    set -l cmd (__fish_byok_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c byok -n "__fish_byok_needs_command" -l profile -d 'Profile to use (default: BYOK_PROFILE, then the one `profile use` chose, then `default`)' -r
complete -c byok -n "__fish_byok_needs_command" -l color -d 'When to colour output' -r -f -a "auto\t''
always\t''
never\t''"
complete -c byok -n "__fish_byok_needs_command" -l json -d 'Print machine-readable JSON on stdout instead of tables'
complete -c byok -n "__fish_byok_needs_command" -s q -l quiet -d 'Print only the answer and errors: no progress, no confirmations'
complete -c byok -n "__fish_byok_needs_command" -s v -l verbose -d 'Trace each request (method, URL, status, time) on stderr; never a key'
complete -c byok -n "__fish_byok_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c byok -n "__fish_byok_needs_command" -s V -l version -d 'Print version'
complete -c byok -n "__fish_byok_needs_command" -f -a "run" -d 'Send a prompt (arguments and/or piped stdin) and stream the answer to stdout'
complete -c byok -n "__fish_byok_needs_command" -f -a "council" -d 'Ask several models at once and decide the answer by vote (first, majority, strict, rank)'
complete -c byok -n "__fish_byok_needs_command" -f -a "usage" -d 'What was spent: calls, tokens and cost by provider, model, route, key or day, with budgets'
complete -c byok -n "__fish_byok_needs_command" -f -a "status" -d 'The vault, keyring, active profile, provider health and budgets at a glance'
complete -c byok -n "__fish_byok_needs_command" -f -a "prices" -d 'Show the price table used for costs (USD per million tokens)'
complete -c byok -n "__fish_byok_needs_command" -f -a "models" -d 'The models each configured key can reach, marked when a route uses them or the price table has them'
complete -c byok -n "__fish_byok_needs_command" -f -a "exec" -d 'Run a command with only the named providers\' keys in its environment'
complete -c byok -n "__fish_byok_needs_command" -f -a "key" -d 'Add, list, verify, rotate and revoke provider API keys'
complete -c byok -n "__fish_byok_needs_command" -f -a "vault" -d 'Create the vault, see how it is unlocked, and share it with recipients'
complete -c byok -n "__fish_byok_needs_command" -f -a "route" -d 'Map task routes to PROVIDER:MODEL with fallbacks, in the active profile'
complete -c byok -n "__fish_byok_needs_command" -f -a "profile" -d 'List, inspect and choose profiles (routes, allowlist, budgets, custom providers)'
complete -c byok -n "__fish_byok_needs_command" -f -a "completions" -d 'Print a shell completion script on stdout'
complete -c byok -n "__fish_byok_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c byok -n "__fish_byok_using_subcommand run" -s s -l system -d 'System prompt' -r
complete -c byok -n "__fish_byok_using_subcommand run" -l max-tokens -d 'Most tokens to generate (per call)' -r
complete -c byok -n "__fish_byok_using_subcommand run" -l temperature -d 'Sampling temperature' -r
complete -c byok -n "__fish_byok_using_subcommand run" -l key -d 'Which vault key of each provider to use, by label (default: the route\'s `key`, else `default`)' -r
complete -c byok -n "__fish_byok_using_subcommand run" -l timeout -d 'Stop the whole call (retries and fallbacks included) after this long: 90s, 2m, 500ms; a cut answer is kept and recorded, and byok exits 6' -r
complete -c byok -n "__fish_byok_using_subcommand run" -s r -l route -d 'Route of the profile to use: its model, then its fallbacks (default: the route `default`)' -r
complete -c byok -n "__fish_byok_using_subcommand run" -s m -l model -d 'Model to use, as PROVIDER:MODEL (split at the first colon) or just PROVIDER for its default model' -r
complete -c byok -n "__fish_byok_using_subcommand run" -l profile -d 'Profile to use (default: BYOK_PROFILE, then the one `profile use` chose, then `default`)' -r
complete -c byok -n "__fish_byok_using_subcommand run" -l color -d 'When to colour output' -r -f -a "auto\t''
always\t''
never\t''"
complete -c byok -n "__fish_byok_using_subcommand run" -l no-stdin -d 'Do not read stdin even when it is not a terminal'
complete -c byok -n "__fish_byok_using_subcommand run" -l stats -d 'Print the token and cost table on stderr even when it is not a terminal'
complete -c byok -n "__fish_byok_using_subcommand run" -l no-stream -d 'Wait for the whole answer instead of streaming it'
complete -c byok -n "__fish_byok_using_subcommand run" -l json -d 'Print machine-readable JSON on stdout instead of tables'
complete -c byok -n "__fish_byok_using_subcommand run" -s q -l quiet -d 'Print only the answer and errors: no progress, no confirmations'
complete -c byok -n "__fish_byok_using_subcommand run" -s v -l verbose -d 'Trace each request (method, URL, status, time) on stderr; never a key'
complete -c byok -n "__fish_byok_using_subcommand run" -s h -l help -d 'Print help'
complete -c byok -n "__fish_byok_using_subcommand run" -s V -l version -d 'Print version'
complete -c byok -n "__fish_byok_using_subcommand council" -s s -l system -d 'System prompt' -r
complete -c byok -n "__fish_byok_using_subcommand council" -l max-tokens -d 'Most tokens to generate (per call)' -r
complete -c byok -n "__fish_byok_using_subcommand council" -l temperature -d 'Sampling temperature' -r
complete -c byok -n "__fish_byok_using_subcommand council" -l key -d 'Which vault key of each provider to use, by label (default: the route\'s `key`, else `default`)' -r
complete -c byok -n "__fish_byok_using_subcommand council" -l timeout -d 'Stop the whole call (retries and fallbacks included) after this long: 90s, 2m, 500ms; a cut answer is kept and recorded, and byok exits 6' -r
complete -c byok -n "__fish_byok_using_subcommand council" -l members -d 'The members, as PROVIDER:MODEL separated by commas (default: the profile\'s [council] members)' -r
complete -c byok -n "__fish_byok_using_subcommand council" -l mode -d 'How the council decides (default: the profile\'s, else majority)' -r -f -a "first\t'The first successful answer wins; the other members are cancelled'
majority\t'More than half of the answers that came back agree (after normalising)'
strict\t'At least --quorum members answer and a majority of all members agree'
rank\t'Members rank each other\'s anonymised answers; Borda count decides'"
complete -c byok -n "__fish_byok_using_subcommand council" -l quorum -d 'How many members must answer (default: all for strict, 1 otherwise)' -r
complete -c byok -n "__fish_byok_using_subcommand council" -l chair -d 'With --mode rank: the model that writes the final answer from the top-ranked answers' -r
complete -c byok -n "__fish_byok_using_subcommand council" -l profile -d 'Profile to use (default: BYOK_PROFILE, then the one `profile use` chose, then `default`)' -r
complete -c byok -n "__fish_byok_using_subcommand council" -l color -d 'When to colour output' -r -f -a "auto\t''
always\t''
never\t''"
complete -c byok -n "__fish_byok_using_subcommand council" -l no-stdin -d 'Do not read stdin even when it is not a terminal'
complete -c byok -n "__fish_byok_using_subcommand council" -l stats -d 'Print the token and cost table on stderr even when it is not a terminal'
complete -c byok -n "__fish_byok_using_subcommand council" -l json -d 'Print machine-readable JSON on stdout instead of tables'
complete -c byok -n "__fish_byok_using_subcommand council" -s q -l quiet -d 'Print only the answer and errors: no progress, no confirmations'
complete -c byok -n "__fish_byok_using_subcommand council" -s v -l verbose -d 'Trace each request (method, URL, status, time) on stderr; never a key'
complete -c byok -n "__fish_byok_using_subcommand council" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c byok -n "__fish_byok_using_subcommand council" -s V -l version -d 'Print version'
complete -c byok -n "__fish_byok_using_subcommand usage" -l since -d 'First day to include (default: the first of this month)' -r
complete -c byok -n "__fish_byok_using_subcommand usage" -l until -d 'Last day to include (default: today)' -r
complete -c byok -n "__fish_byok_using_subcommand usage" -l by -d 'How to group the calls' -r -f -a "provider\t''
model\t''
route\t''
key\t''
day\t''"
complete -c byok -n "__fish_byok_using_subcommand usage" -l profile -d 'Profile to use (default: BYOK_PROFILE, then the one `profile use` chose, then `default`)' -r
complete -c byok -n "__fish_byok_using_subcommand usage" -l color -d 'When to colour output' -r -f -a "auto\t''
always\t''
never\t''"
complete -c byok -n "__fish_byok_using_subcommand usage" -l csv -d 'Print comma-separated values instead of a table'
complete -c byok -n "__fish_byok_using_subcommand usage" -l json -d 'Print machine-readable JSON on stdout instead of tables'
complete -c byok -n "__fish_byok_using_subcommand usage" -s q -l quiet -d 'Print only the answer and errors: no progress, no confirmations'
complete -c byok -n "__fish_byok_using_subcommand usage" -s v -l verbose -d 'Trace each request (method, URL, status, time) on stderr; never a key'
complete -c byok -n "__fish_byok_using_subcommand usage" -s h -l help -d 'Print help'
complete -c byok -n "__fish_byok_using_subcommand usage" -s V -l version -d 'Print version'
complete -c byok -n "__fish_byok_using_subcommand status" -l profile -d 'Profile to use (default: BYOK_PROFILE, then the one `profile use` chose, then `default`)' -r
complete -c byok -n "__fish_byok_using_subcommand status" -l color -d 'When to colour output' -r -f -a "auto\t''
always\t''
never\t''"
complete -c byok -n "__fish_byok_using_subcommand status" -l json -d 'Print machine-readable JSON on stdout instead of tables'
complete -c byok -n "__fish_byok_using_subcommand status" -s q -l quiet -d 'Print only the answer and errors: no progress, no confirmations'
complete -c byok -n "__fish_byok_using_subcommand status" -s v -l verbose -d 'Trace each request (method, URL, status, time) on stderr; never a key'
complete -c byok -n "__fish_byok_using_subcommand status" -s h -l help -d 'Print help'
complete -c byok -n "__fish_byok_using_subcommand status" -s V -l version -d 'Print version'
complete -c byok -n "__fish_byok_using_subcommand prices" -l profile -d 'Profile to use (default: BYOK_PROFILE, then the one `profile use` chose, then `default`)' -r
complete -c byok -n "__fish_byok_using_subcommand prices" -l color -d 'When to colour output' -r -f -a "auto\t''
always\t''
never\t''"
complete -c byok -n "__fish_byok_using_subcommand prices" -l json -d 'Print machine-readable JSON on stdout instead of tables'
complete -c byok -n "__fish_byok_using_subcommand prices" -s q -l quiet -d 'Print only the answer and errors: no progress, no confirmations'
complete -c byok -n "__fish_byok_using_subcommand prices" -s v -l verbose -d 'Trace each request (method, URL, status, time) on stderr; never a key'
complete -c byok -n "__fish_byok_using_subcommand prices" -s h -l help -d 'Print help'
complete -c byok -n "__fish_byok_using_subcommand prices" -s V -l version -d 'Print version'
complete -c byok -n "__fish_byok_using_subcommand models" -l profile -d 'Profile to use (default: BYOK_PROFILE, then the one `profile use` chose, then `default`)' -r
complete -c byok -n "__fish_byok_using_subcommand models" -l color -d 'When to colour output' -r -f -a "auto\t''
always\t''
never\t''"
complete -c byok -n "__fish_byok_using_subcommand models" -l json -d 'Print machine-readable JSON on stdout instead of tables'
complete -c byok -n "__fish_byok_using_subcommand models" -s q -l quiet -d 'Print only the answer and errors: no progress, no confirmations'
complete -c byok -n "__fish_byok_using_subcommand models" -s v -l verbose -d 'Trace each request (method, URL, status, time) on stderr; never a key'
complete -c byok -n "__fish_byok_using_subcommand models" -s h -l help -d 'Print help'
complete -c byok -n "__fish_byok_using_subcommand models" -s V -l version -d 'Print version'
complete -c byok -n "__fish_byok_using_subcommand exec" -l provider -d 'A provider whose key the command gets, as PROVIDER or PROVIDER/LABEL (repeat the flag, or give a comma list)' -r
complete -c byok -n "__fish_byok_using_subcommand exec" -s r -l route -d 'Every provider of this route\'s chain (its model and fallbacks), with the route\'s key label' -r
complete -c byok -n "__fish_byok_using_subcommand exec" -l key -d 'The vault key to hand over, by label, for every provider given without `/LABEL` (default: the route\'s `key`, else `default`)' -r
complete -c byok -n "__fish_byok_using_subcommand exec" -l profile -d 'Profile to use (default: BYOK_PROFILE, then the one `profile use` chose, then `default`)' -r
complete -c byok -n "__fish_byok_using_subcommand exec" -l color -d 'When to colour output' -r -f -a "auto\t''
always\t''
never\t''"
complete -c byok -n "__fish_byok_using_subcommand exec" -l json -d 'Print machine-readable JSON on stdout instead of tables'
complete -c byok -n "__fish_byok_using_subcommand exec" -s q -l quiet -d 'Print only the answer and errors: no progress, no confirmations'
complete -c byok -n "__fish_byok_using_subcommand exec" -s v -l verbose -d 'Trace each request (method, URL, status, time) on stderr; never a key'
complete -c byok -n "__fish_byok_using_subcommand exec" -s h -l help -d 'Print help'
complete -c byok -n "__fish_byok_using_subcommand exec" -s V -l version -d 'Print version'
complete -c byok -n "__fish_byok_using_subcommand key; and not __fish_seen_subcommand_from add list verify rotate revoke rm remove help" -l profile -d 'Profile to use (default: BYOK_PROFILE, then the one `profile use` chose, then `default`)' -r
complete -c byok -n "__fish_byok_using_subcommand key; and not __fish_seen_subcommand_from add list verify rotate revoke rm remove help" -l color -d 'When to colour output' -r -f -a "auto\t''
always\t''
never\t''"
complete -c byok -n "__fish_byok_using_subcommand key; and not __fish_seen_subcommand_from add list verify rotate revoke rm remove help" -l json -d 'Print machine-readable JSON on stdout instead of tables'
complete -c byok -n "__fish_byok_using_subcommand key; and not __fish_seen_subcommand_from add list verify rotate revoke rm remove help" -s q -l quiet -d 'Print only the answer and errors: no progress, no confirmations'
complete -c byok -n "__fish_byok_using_subcommand key; and not __fish_seen_subcommand_from add list verify rotate revoke rm remove help" -s v -l verbose -d 'Trace each request (method, URL, status, time) on stderr; never a key'
complete -c byok -n "__fish_byok_using_subcommand key; and not __fish_seen_subcommand_from add list verify rotate revoke rm remove help" -s h -l help -d 'Print help'
complete -c byok -n "__fish_byok_using_subcommand key; and not __fish_seen_subcommand_from add list verify rotate revoke rm remove help" -s V -l version -d 'Print version'
complete -c byok -n "__fish_byok_using_subcommand key; and not __fish_seen_subcommand_from add list verify rotate revoke rm remove help" -f -a "add" -d 'Add a key; the secret is read from piped stdin or a hidden prompt, never from argv'
complete -c byok -n "__fish_byok_using_subcommand key; and not __fish_seen_subcommand_from add list verify rotate revoke rm remove help" -f -a "list" -d 'List keys, masked, from the vault and from provider environment variables'
complete -c byok -n "__fish_byok_using_subcommand key; and not __fish_seen_subcommand_from add list verify rotate revoke rm remove help" -f -a "verify" -d 'Check keys with each provider\'s free model-list probe, all at once'
complete -c byok -n "__fish_byok_using_subcommand key; and not __fish_seen_subcommand_from add list verify rotate revoke rm remove help" -f -a "rotate" -d 'Replace a key with a new one, keeping the old one as "previous" for rollback'
complete -c byok -n "__fish_byok_using_subcommand key; and not __fish_seen_subcommand_from add list verify rotate revoke rm remove help" -f -a "revoke" -d 'Remove a key (or only its previous version) from the vault'
complete -c byok -n "__fish_byok_using_subcommand key; and not __fish_seen_subcommand_from add list verify rotate revoke rm remove help" -f -a "rm" -d 'Remove a key (or only its previous version) from the vault'
complete -c byok -n "__fish_byok_using_subcommand key; and not __fish_seen_subcommand_from add list verify rotate revoke rm remove help" -f -a "remove" -d 'Remove a key (or only its previous version) from the vault'
complete -c byok -n "__fish_byok_using_subcommand key; and not __fish_seen_subcommand_from add list verify rotate revoke rm remove help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c byok -n "__fish_byok_using_subcommand key; and __fish_seen_subcommand_from add" -l label -d 'A name for this key, to keep several per provider' -r
complete -c byok -n "__fish_byok_using_subcommand key; and __fish_seen_subcommand_from add" -l profile -d 'Profile to use (default: BYOK_PROFILE, then the one `profile use` chose, then `default`)' -r
complete -c byok -n "__fish_byok_using_subcommand key; and __fish_seen_subcommand_from add" -l color -d 'When to colour output' -r -f -a "auto\t''
always\t''
never\t''"
complete -c byok -n "__fish_byok_using_subcommand key; and __fish_seen_subcommand_from add" -l no-verify -d 'Store the key without asking the provider whether it works'
complete -c byok -n "__fish_byok_using_subcommand key; and __fish_seen_subcommand_from add" -l json -d 'Print machine-readable JSON on stdout instead of tables'
complete -c byok -n "__fish_byok_using_subcommand key; and __fish_seen_subcommand_from add" -s q -l quiet -d 'Print only the answer and errors: no progress, no confirmations'
complete -c byok -n "__fish_byok_using_subcommand key; and __fish_seen_subcommand_from add" -s v -l verbose -d 'Trace each request (method, URL, status, time) on stderr; never a key'
complete -c byok -n "__fish_byok_using_subcommand key; and __fish_seen_subcommand_from add" -s h -l help -d 'Print help'
complete -c byok -n "__fish_byok_using_subcommand key; and __fish_seen_subcommand_from add" -s V -l version -d 'Print version'
complete -c byok -n "__fish_byok_using_subcommand key; and __fish_seen_subcommand_from list" -l profile -d 'Profile to use (default: BYOK_PROFILE, then the one `profile use` chose, then `default`)' -r
complete -c byok -n "__fish_byok_using_subcommand key; and __fish_seen_subcommand_from list" -l color -d 'When to colour output' -r -f -a "auto\t''
always\t''
never\t''"
complete -c byok -n "__fish_byok_using_subcommand key; and __fish_seen_subcommand_from list" -l json -d 'Print machine-readable JSON on stdout instead of tables'
complete -c byok -n "__fish_byok_using_subcommand key; and __fish_seen_subcommand_from list" -s q -l quiet -d 'Print only the answer and errors: no progress, no confirmations'
complete -c byok -n "__fish_byok_using_subcommand key; and __fish_seen_subcommand_from list" -s v -l verbose -d 'Trace each request (method, URL, status, time) on stderr; never a key'
complete -c byok -n "__fish_byok_using_subcommand key; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help'
complete -c byok -n "__fish_byok_using_subcommand key; and __fish_seen_subcommand_from list" -s V -l version -d 'Print version'
complete -c byok -n "__fish_byok_using_subcommand key; and __fish_seen_subcommand_from verify" -l profile -d 'Profile to use (default: BYOK_PROFILE, then the one `profile use` chose, then `default`)' -r
complete -c byok -n "__fish_byok_using_subcommand key; and __fish_seen_subcommand_from verify" -l color -d 'When to colour output' -r -f -a "auto\t''
always\t''
never\t''"
complete -c byok -n "__fish_byok_using_subcommand key; and __fish_seen_subcommand_from verify" -l json -d 'Print machine-readable JSON on stdout instead of tables'
complete -c byok -n "__fish_byok_using_subcommand key; and __fish_seen_subcommand_from verify" -s q -l quiet -d 'Print only the answer and errors: no progress, no confirmations'
complete -c byok -n "__fish_byok_using_subcommand key; and __fish_seen_subcommand_from verify" -s v -l verbose -d 'Trace each request (method, URL, status, time) on stderr; never a key'
complete -c byok -n "__fish_byok_using_subcommand key; and __fish_seen_subcommand_from verify" -s h -l help -d 'Print help'
complete -c byok -n "__fish_byok_using_subcommand key; and __fish_seen_subcommand_from verify" -s V -l version -d 'Print version'
complete -c byok -n "__fish_byok_using_subcommand key; and __fish_seen_subcommand_from rotate" -l label -r
complete -c byok -n "__fish_byok_using_subcommand key; and __fish_seen_subcommand_from rotate" -l profile -d 'Profile to use (default: BYOK_PROFILE, then the one `profile use` chose, then `default`)' -r
complete -c byok -n "__fish_byok_using_subcommand key; and __fish_seen_subcommand_from rotate" -l color -d 'When to colour output' -r -f -a "auto\t''
always\t''
never\t''"
complete -c byok -n "__fish_byok_using_subcommand key; and __fish_seen_subcommand_from rotate" -l no-verify -d 'Swap without asking the provider whether the new key works'
complete -c byok -n "__fish_byok_using_subcommand key; and __fish_seen_subcommand_from rotate" -l json -d 'Print machine-readable JSON on stdout instead of tables'
complete -c byok -n "__fish_byok_using_subcommand key; and __fish_seen_subcommand_from rotate" -s q -l quiet -d 'Print only the answer and errors: no progress, no confirmations'
complete -c byok -n "__fish_byok_using_subcommand key; and __fish_seen_subcommand_from rotate" -s v -l verbose -d 'Trace each request (method, URL, status, time) on stderr; never a key'
complete -c byok -n "__fish_byok_using_subcommand key; and __fish_seen_subcommand_from rotate" -s h -l help -d 'Print help'
complete -c byok -n "__fish_byok_using_subcommand key; and __fish_seen_subcommand_from rotate" -s V -l version -d 'Print version'
complete -c byok -n "__fish_byok_using_subcommand key; and __fish_seen_subcommand_from revoke" -l label -r
complete -c byok -n "__fish_byok_using_subcommand key; and __fish_seen_subcommand_from revoke" -l profile -d 'Profile to use (default: BYOK_PROFILE, then the one `profile use` chose, then `default`)' -r
complete -c byok -n "__fish_byok_using_subcommand key; and __fish_seen_subcommand_from revoke" -l color -d 'When to colour output' -r -f -a "auto\t''
always\t''
never\t''"
complete -c byok -n "__fish_byok_using_subcommand key; and __fish_seen_subcommand_from revoke" -l previous -d 'Remove only the previous key kept by `key rotate`'
complete -c byok -n "__fish_byok_using_subcommand key; and __fish_seen_subcommand_from revoke" -s y -l yes -d 'Do not ask for confirmation (needed when there is no terminal)'
complete -c byok -n "__fish_byok_using_subcommand key; and __fish_seen_subcommand_from revoke" -l json -d 'Print machine-readable JSON on stdout instead of tables'
complete -c byok -n "__fish_byok_using_subcommand key; and __fish_seen_subcommand_from revoke" -s q -l quiet -d 'Print only the answer and errors: no progress, no confirmations'
complete -c byok -n "__fish_byok_using_subcommand key; and __fish_seen_subcommand_from revoke" -s v -l verbose -d 'Trace each request (method, URL, status, time) on stderr; never a key'
complete -c byok -n "__fish_byok_using_subcommand key; and __fish_seen_subcommand_from revoke" -s h -l help -d 'Print help'
complete -c byok -n "__fish_byok_using_subcommand key; and __fish_seen_subcommand_from revoke" -s V -l version -d 'Print version'
complete -c byok -n "__fish_byok_using_subcommand key; and __fish_seen_subcommand_from rm" -l label -r
complete -c byok -n "__fish_byok_using_subcommand key; and __fish_seen_subcommand_from rm" -l profile -d 'Profile to use (default: BYOK_PROFILE, then the one `profile use` chose, then `default`)' -r
complete -c byok -n "__fish_byok_using_subcommand key; and __fish_seen_subcommand_from rm" -l color -d 'When to colour output' -r -f -a "auto\t''
always\t''
never\t''"
complete -c byok -n "__fish_byok_using_subcommand key; and __fish_seen_subcommand_from rm" -l previous -d 'Remove only the previous key kept by `key rotate`'
complete -c byok -n "__fish_byok_using_subcommand key; and __fish_seen_subcommand_from rm" -s y -l yes -d 'Do not ask for confirmation (needed when there is no terminal)'
complete -c byok -n "__fish_byok_using_subcommand key; and __fish_seen_subcommand_from rm" -l json -d 'Print machine-readable JSON on stdout instead of tables'
complete -c byok -n "__fish_byok_using_subcommand key; and __fish_seen_subcommand_from rm" -s q -l quiet -d 'Print only the answer and errors: no progress, no confirmations'
complete -c byok -n "__fish_byok_using_subcommand key; and __fish_seen_subcommand_from rm" -s v -l verbose -d 'Trace each request (method, URL, status, time) on stderr; never a key'
complete -c byok -n "__fish_byok_using_subcommand key; and __fish_seen_subcommand_from rm" -s h -l help -d 'Print help'
complete -c byok -n "__fish_byok_using_subcommand key; and __fish_seen_subcommand_from rm" -s V -l version -d 'Print version'
complete -c byok -n "__fish_byok_using_subcommand key; and __fish_seen_subcommand_from remove" -l label -r
complete -c byok -n "__fish_byok_using_subcommand key; and __fish_seen_subcommand_from remove" -l profile -d 'Profile to use (default: BYOK_PROFILE, then the one `profile use` chose, then `default`)' -r
complete -c byok -n "__fish_byok_using_subcommand key; and __fish_seen_subcommand_from remove" -l color -d 'When to colour output' -r -f -a "auto\t''
always\t''
never\t''"
complete -c byok -n "__fish_byok_using_subcommand key; and __fish_seen_subcommand_from remove" -l previous -d 'Remove only the previous key kept by `key rotate`'
complete -c byok -n "__fish_byok_using_subcommand key; and __fish_seen_subcommand_from remove" -s y -l yes -d 'Do not ask for confirmation (needed when there is no terminal)'
complete -c byok -n "__fish_byok_using_subcommand key; and __fish_seen_subcommand_from remove" -l json -d 'Print machine-readable JSON on stdout instead of tables'
complete -c byok -n "__fish_byok_using_subcommand key; and __fish_seen_subcommand_from remove" -s q -l quiet -d 'Print only the answer and errors: no progress, no confirmations'
complete -c byok -n "__fish_byok_using_subcommand key; and __fish_seen_subcommand_from remove" -s v -l verbose -d 'Trace each request (method, URL, status, time) on stderr; never a key'
complete -c byok -n "__fish_byok_using_subcommand key; and __fish_seen_subcommand_from remove" -s h -l help -d 'Print help'
complete -c byok -n "__fish_byok_using_subcommand key; and __fish_seen_subcommand_from remove" -s V -l version -d 'Print version'
complete -c byok -n "__fish_byok_using_subcommand key; and __fish_seen_subcommand_from help" -f -a "add" -d 'Add a key; the secret is read from piped stdin or a hidden prompt, never from argv'
complete -c byok -n "__fish_byok_using_subcommand key; and __fish_seen_subcommand_from help" -f -a "list" -d 'List keys, masked, from the vault and from provider environment variables'
complete -c byok -n "__fish_byok_using_subcommand key; and __fish_seen_subcommand_from help" -f -a "verify" -d 'Check keys with each provider\'s free model-list probe, all at once'
complete -c byok -n "__fish_byok_using_subcommand key; and __fish_seen_subcommand_from help" -f -a "rotate" -d 'Replace a key with a new one, keeping the old one as "previous" for rollback'
complete -c byok -n "__fish_byok_using_subcommand key; and __fish_seen_subcommand_from help" -f -a "revoke" -d 'Remove a key (or only its previous version) from the vault'
complete -c byok -n "__fish_byok_using_subcommand key; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c byok -n "__fish_byok_using_subcommand vault; and not __fish_seen_subcommand_from init status recipients help" -l profile -d 'Profile to use (default: BYOK_PROFILE, then the one `profile use` chose, then `default`)' -r
complete -c byok -n "__fish_byok_using_subcommand vault; and not __fish_seen_subcommand_from init status recipients help" -l color -d 'When to colour output' -r -f -a "auto\t''
always\t''
never\t''"
complete -c byok -n "__fish_byok_using_subcommand vault; and not __fish_seen_subcommand_from init status recipients help" -l json -d 'Print machine-readable JSON on stdout instead of tables'
complete -c byok -n "__fish_byok_using_subcommand vault; and not __fish_seen_subcommand_from init status recipients help" -s q -l quiet -d 'Print only the answer and errors: no progress, no confirmations'
complete -c byok -n "__fish_byok_using_subcommand vault; and not __fish_seen_subcommand_from init status recipients help" -s v -l verbose -d 'Trace each request (method, URL, status, time) on stderr; never a key'
complete -c byok -n "__fish_byok_using_subcommand vault; and not __fish_seen_subcommand_from init status recipients help" -s h -l help -d 'Print help'
complete -c byok -n "__fish_byok_using_subcommand vault; and not __fish_seen_subcommand_from init status recipients help" -s V -l version -d 'Print version'
complete -c byok -n "__fish_byok_using_subcommand vault; and not __fish_seen_subcommand_from init status recipients help" -f -a "init" -d 'Create the vault: unlocked by the OS keyring, or by a passphrase with --passphrase'
complete -c byok -n "__fish_byok_using_subcommand vault; and not __fish_seen_subcommand_from init status recipients help" -f -a "status" -d 'Where the vault is, how it is unlocked, its recipients and key count'
complete -c byok -n "__fish_byok_using_subcommand vault; and not __fish_seen_subcommand_from init status recipients help" -f -a "recipients" -d 'List, add and remove the public keys the vault is encrypted to (team and CI sharing)'
complete -c byok -n "__fish_byok_using_subcommand vault; and not __fish_seen_subcommand_from init status recipients help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c byok -n "__fish_byok_using_subcommand vault; and __fish_seen_subcommand_from init" -l profile -d 'Profile to use (default: BYOK_PROFILE, then the one `profile use` chose, then `default`)' -r
complete -c byok -n "__fish_byok_using_subcommand vault; and __fish_seen_subcommand_from init" -l color -d 'When to colour output' -r -f -a "auto\t''
always\t''
never\t''"
complete -c byok -n "__fish_byok_using_subcommand vault; and __fish_seen_subcommand_from init" -l passphrase -d 'Protect the vault with a passphrase instead of the OS keyring'
complete -c byok -n "__fish_byok_using_subcommand vault; and __fish_seen_subcommand_from init" -l json -d 'Print machine-readable JSON on stdout instead of tables'
complete -c byok -n "__fish_byok_using_subcommand vault; and __fish_seen_subcommand_from init" -s q -l quiet -d 'Print only the answer and errors: no progress, no confirmations'
complete -c byok -n "__fish_byok_using_subcommand vault; and __fish_seen_subcommand_from init" -s v -l verbose -d 'Trace each request (method, URL, status, time) on stderr; never a key'
complete -c byok -n "__fish_byok_using_subcommand vault; and __fish_seen_subcommand_from init" -s h -l help -d 'Print help'
complete -c byok -n "__fish_byok_using_subcommand vault; and __fish_seen_subcommand_from init" -s V -l version -d 'Print version'
complete -c byok -n "__fish_byok_using_subcommand vault; and __fish_seen_subcommand_from status" -l profile -d 'Profile to use (default: BYOK_PROFILE, then the one `profile use` chose, then `default`)' -r
complete -c byok -n "__fish_byok_using_subcommand vault; and __fish_seen_subcommand_from status" -l color -d 'When to colour output' -r -f -a "auto\t''
always\t''
never\t''"
complete -c byok -n "__fish_byok_using_subcommand vault; and __fish_seen_subcommand_from status" -l json -d 'Print machine-readable JSON on stdout instead of tables'
complete -c byok -n "__fish_byok_using_subcommand vault; and __fish_seen_subcommand_from status" -s q -l quiet -d 'Print only the answer and errors: no progress, no confirmations'
complete -c byok -n "__fish_byok_using_subcommand vault; and __fish_seen_subcommand_from status" -s v -l verbose -d 'Trace each request (method, URL, status, time) on stderr; never a key'
complete -c byok -n "__fish_byok_using_subcommand vault; and __fish_seen_subcommand_from status" -s h -l help -d 'Print help'
complete -c byok -n "__fish_byok_using_subcommand vault; and __fish_seen_subcommand_from status" -s V -l version -d 'Print version'
complete -c byok -n "__fish_byok_using_subcommand vault; and __fish_seen_subcommand_from recipients" -l profile -d 'Profile to use (default: BYOK_PROFILE, then the one `profile use` chose, then `default`)' -r
complete -c byok -n "__fish_byok_using_subcommand vault; and __fish_seen_subcommand_from recipients" -l color -d 'When to colour output' -r -f -a "auto\t''
always\t''
never\t''"
complete -c byok -n "__fish_byok_using_subcommand vault; and __fish_seen_subcommand_from recipients" -l json -d 'Print machine-readable JSON on stdout instead of tables'
complete -c byok -n "__fish_byok_using_subcommand vault; and __fish_seen_subcommand_from recipients" -s q -l quiet -d 'Print only the answer and errors: no progress, no confirmations'
complete -c byok -n "__fish_byok_using_subcommand vault; and __fish_seen_subcommand_from recipients" -s v -l verbose -d 'Trace each request (method, URL, status, time) on stderr; never a key'
complete -c byok -n "__fish_byok_using_subcommand vault; and __fish_seen_subcommand_from recipients" -s h -l help -d 'Print help'
complete -c byok -n "__fish_byok_using_subcommand vault; and __fish_seen_subcommand_from recipients" -s V -l version -d 'Print version'
complete -c byok -n "__fish_byok_using_subcommand vault; and __fish_seen_subcommand_from recipients" -f -a "list" -d 'List the recipients from vault.toml, without unlocking the vault'
complete -c byok -n "__fish_byok_using_subcommand vault; and __fish_seen_subcommand_from recipients" -f -a "add" -d 'Encrypt the vault to one more recipient (a teammate, a CI job)'
complete -c byok -n "__fish_byok_using_subcommand vault; and __fish_seen_subcommand_from recipients" -f -a "rm" -d 'Re-encrypt the vault without a recipient; the keys it could read should be rotated'
complete -c byok -n "__fish_byok_using_subcommand vault; and __fish_seen_subcommand_from recipients" -f -a "remove" -d 'Re-encrypt the vault without a recipient; the keys it could read should be rotated'
complete -c byok -n "__fish_byok_using_subcommand vault; and __fish_seen_subcommand_from recipients" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c byok -n "__fish_byok_using_subcommand vault; and __fish_seen_subcommand_from help" -f -a "init" -d 'Create the vault: unlocked by the OS keyring, or by a passphrase with --passphrase'
complete -c byok -n "__fish_byok_using_subcommand vault; and __fish_seen_subcommand_from help" -f -a "status" -d 'Where the vault is, how it is unlocked, its recipients and key count'
complete -c byok -n "__fish_byok_using_subcommand vault; and __fish_seen_subcommand_from help" -f -a "recipients" -d 'List, add and remove the public keys the vault is encrypted to (team and CI sharing)'
complete -c byok -n "__fish_byok_using_subcommand vault; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c byok -n "__fish_byok_using_subcommand route; and not __fish_seen_subcommand_from set list show rm remove help" -l profile -d 'Profile to use (default: BYOK_PROFILE, then the one `profile use` chose, then `default`)' -r
complete -c byok -n "__fish_byok_using_subcommand route; and not __fish_seen_subcommand_from set list show rm remove help" -l color -d 'When to colour output' -r -f -a "auto\t''
always\t''
never\t''"
complete -c byok -n "__fish_byok_using_subcommand route; and not __fish_seen_subcommand_from set list show rm remove help" -l json -d 'Print machine-readable JSON on stdout instead of tables'
complete -c byok -n "__fish_byok_using_subcommand route; and not __fish_seen_subcommand_from set list show rm remove help" -s q -l quiet -d 'Print only the answer and errors: no progress, no confirmations'
complete -c byok -n "__fish_byok_using_subcommand route; and not __fish_seen_subcommand_from set list show rm remove help" -s v -l verbose -d 'Trace each request (method, URL, status, time) on stderr; never a key'
complete -c byok -n "__fish_byok_using_subcommand route; and not __fish_seen_subcommand_from set list show rm remove help" -s h -l help -d 'Print help'
complete -c byok -n "__fish_byok_using_subcommand route; and not __fish_seen_subcommand_from set list show rm remove help" -s V -l version -d 'Print version'
complete -c byok -n "__fish_byok_using_subcommand route; and not __fish_seen_subcommand_from set list show rm remove help" -f -a "set" -d 'Create or replace a route in the active profile (comments and layout are kept)'
complete -c byok -n "__fish_byok_using_subcommand route; and not __fish_seen_subcommand_from set list show rm remove help" -f -a "list" -d 'List the active profile\'s routes'
complete -c byok -n "__fish_byok_using_subcommand route; and not __fish_seen_subcommand_from set list show rm remove help" -f -a "show" -d 'Explain what a run on the route would do, without calling any provider'
complete -c byok -n "__fish_byok_using_subcommand route; and not __fish_seen_subcommand_from set list show rm remove help" -f -a "rm" -d 'Remove a route from the active profile'
complete -c byok -n "__fish_byok_using_subcommand route; and not __fish_seen_subcommand_from set list show rm remove help" -f -a "remove" -d 'Remove a route from the active profile'
complete -c byok -n "__fish_byok_using_subcommand route; and not __fish_seen_subcommand_from set list show rm remove help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c byok -n "__fish_byok_using_subcommand route; and __fish_seen_subcommand_from set" -l fallback -d 'A model to fall back to, in order (repeat the flag); PROVIDER alone is its default model' -r
complete -c byok -n "__fish_byok_using_subcommand route; and __fish_seen_subcommand_from set" -l key -d 'The vault key label the route\'s calls use' -r
complete -c byok -n "__fish_byok_using_subcommand route; and __fish_seen_subcommand_from set" -l profile -d 'Profile to use (default: BYOK_PROFILE, then the one `profile use` chose, then `default`)' -r
complete -c byok -n "__fish_byok_using_subcommand route; and __fish_seen_subcommand_from set" -l color -d 'When to colour output' -r -f -a "auto\t''
always\t''
never\t''"
complete -c byok -n "__fish_byok_using_subcommand route; and __fish_seen_subcommand_from set" -l json -d 'Print machine-readable JSON on stdout instead of tables'
complete -c byok -n "__fish_byok_using_subcommand route; and __fish_seen_subcommand_from set" -s q -l quiet -d 'Print only the answer and errors: no progress, no confirmations'
complete -c byok -n "__fish_byok_using_subcommand route; and __fish_seen_subcommand_from set" -s v -l verbose -d 'Trace each request (method, URL, status, time) on stderr; never a key'
complete -c byok -n "__fish_byok_using_subcommand route; and __fish_seen_subcommand_from set" -s h -l help -d 'Print help'
complete -c byok -n "__fish_byok_using_subcommand route; and __fish_seen_subcommand_from set" -s V -l version -d 'Print version'
complete -c byok -n "__fish_byok_using_subcommand route; and __fish_seen_subcommand_from list" -l profile -d 'Profile to use (default: BYOK_PROFILE, then the one `profile use` chose, then `default`)' -r
complete -c byok -n "__fish_byok_using_subcommand route; and __fish_seen_subcommand_from list" -l color -d 'When to colour output' -r -f -a "auto\t''
always\t''
never\t''"
complete -c byok -n "__fish_byok_using_subcommand route; and __fish_seen_subcommand_from list" -l json -d 'Print machine-readable JSON on stdout instead of tables'
complete -c byok -n "__fish_byok_using_subcommand route; and __fish_seen_subcommand_from list" -s q -l quiet -d 'Print only the answer and errors: no progress, no confirmations'
complete -c byok -n "__fish_byok_using_subcommand route; and __fish_seen_subcommand_from list" -s v -l verbose -d 'Trace each request (method, URL, status, time) on stderr; never a key'
complete -c byok -n "__fish_byok_using_subcommand route; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help'
complete -c byok -n "__fish_byok_using_subcommand route; and __fish_seen_subcommand_from list" -s V -l version -d 'Print version'
complete -c byok -n "__fish_byok_using_subcommand route; and __fish_seen_subcommand_from show" -l profile -d 'Profile to use (default: BYOK_PROFILE, then the one `profile use` chose, then `default`)' -r
complete -c byok -n "__fish_byok_using_subcommand route; and __fish_seen_subcommand_from show" -l color -d 'When to colour output' -r -f -a "auto\t''
always\t''
never\t''"
complete -c byok -n "__fish_byok_using_subcommand route; and __fish_seen_subcommand_from show" -l json -d 'Print machine-readable JSON on stdout instead of tables'
complete -c byok -n "__fish_byok_using_subcommand route; and __fish_seen_subcommand_from show" -s q -l quiet -d 'Print only the answer and errors: no progress, no confirmations'
complete -c byok -n "__fish_byok_using_subcommand route; and __fish_seen_subcommand_from show" -s v -l verbose -d 'Trace each request (method, URL, status, time) on stderr; never a key'
complete -c byok -n "__fish_byok_using_subcommand route; and __fish_seen_subcommand_from show" -s h -l help -d 'Print help'
complete -c byok -n "__fish_byok_using_subcommand route; and __fish_seen_subcommand_from show" -s V -l version -d 'Print version'
complete -c byok -n "__fish_byok_using_subcommand route; and __fish_seen_subcommand_from rm" -l profile -d 'Profile to use (default: BYOK_PROFILE, then the one `profile use` chose, then `default`)' -r
complete -c byok -n "__fish_byok_using_subcommand route; and __fish_seen_subcommand_from rm" -l color -d 'When to colour output' -r -f -a "auto\t''
always\t''
never\t''"
complete -c byok -n "__fish_byok_using_subcommand route; and __fish_seen_subcommand_from rm" -l json -d 'Print machine-readable JSON on stdout instead of tables'
complete -c byok -n "__fish_byok_using_subcommand route; and __fish_seen_subcommand_from rm" -s q -l quiet -d 'Print only the answer and errors: no progress, no confirmations'
complete -c byok -n "__fish_byok_using_subcommand route; and __fish_seen_subcommand_from rm" -s v -l verbose -d 'Trace each request (method, URL, status, time) on stderr; never a key'
complete -c byok -n "__fish_byok_using_subcommand route; and __fish_seen_subcommand_from rm" -s h -l help -d 'Print help'
complete -c byok -n "__fish_byok_using_subcommand route; and __fish_seen_subcommand_from rm" -s V -l version -d 'Print version'
complete -c byok -n "__fish_byok_using_subcommand route; and __fish_seen_subcommand_from remove" -l profile -d 'Profile to use (default: BYOK_PROFILE, then the one `profile use` chose, then `default`)' -r
complete -c byok -n "__fish_byok_using_subcommand route; and __fish_seen_subcommand_from remove" -l color -d 'When to colour output' -r -f -a "auto\t''
always\t''
never\t''"
complete -c byok -n "__fish_byok_using_subcommand route; and __fish_seen_subcommand_from remove" -l json -d 'Print machine-readable JSON on stdout instead of tables'
complete -c byok -n "__fish_byok_using_subcommand route; and __fish_seen_subcommand_from remove" -s q -l quiet -d 'Print only the answer and errors: no progress, no confirmations'
complete -c byok -n "__fish_byok_using_subcommand route; and __fish_seen_subcommand_from remove" -s v -l verbose -d 'Trace each request (method, URL, status, time) on stderr; never a key'
complete -c byok -n "__fish_byok_using_subcommand route; and __fish_seen_subcommand_from remove" -s h -l help -d 'Print help'
complete -c byok -n "__fish_byok_using_subcommand route; and __fish_seen_subcommand_from remove" -s V -l version -d 'Print version'
complete -c byok -n "__fish_byok_using_subcommand route; and __fish_seen_subcommand_from help" -f -a "set" -d 'Create or replace a route in the active profile (comments and layout are kept)'
complete -c byok -n "__fish_byok_using_subcommand route; and __fish_seen_subcommand_from help" -f -a "list" -d 'List the active profile\'s routes'
complete -c byok -n "__fish_byok_using_subcommand route; and __fish_seen_subcommand_from help" -f -a "show" -d 'Explain what a run on the route would do, without calling any provider'
complete -c byok -n "__fish_byok_using_subcommand route; and __fish_seen_subcommand_from help" -f -a "rm" -d 'Remove a route from the active profile'
complete -c byok -n "__fish_byok_using_subcommand route; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c byok -n "__fish_byok_using_subcommand profile; and not __fish_seen_subcommand_from list show use help" -l profile -d 'Profile to use (default: BYOK_PROFILE, then the one `profile use` chose, then `default`)' -r
complete -c byok -n "__fish_byok_using_subcommand profile; and not __fish_seen_subcommand_from list show use help" -l color -d 'When to colour output' -r -f -a "auto\t''
always\t''
never\t''"
complete -c byok -n "__fish_byok_using_subcommand profile; and not __fish_seen_subcommand_from list show use help" -l json -d 'Print machine-readable JSON on stdout instead of tables'
complete -c byok -n "__fish_byok_using_subcommand profile; and not __fish_seen_subcommand_from list show use help" -s q -l quiet -d 'Print only the answer and errors: no progress, no confirmations'
complete -c byok -n "__fish_byok_using_subcommand profile; and not __fish_seen_subcommand_from list show use help" -s v -l verbose -d 'Trace each request (method, URL, status, time) on stderr; never a key'
complete -c byok -n "__fish_byok_using_subcommand profile; and not __fish_seen_subcommand_from list show use help" -s h -l help -d 'Print help'
complete -c byok -n "__fish_byok_using_subcommand profile; and not __fish_seen_subcommand_from list show use help" -s V -l version -d 'Print version'
complete -c byok -n "__fish_byok_using_subcommand profile; and not __fish_seen_subcommand_from list show use help" -f -a "list" -d 'List profiles, marking the active one and why it is active'
complete -c byok -n "__fish_byok_using_subcommand profile; and not __fish_seen_subcommand_from list show use help" -f -a "show" -d 'Show the active profile: its file and what it sets (checked for errors)'
complete -c byok -n "__fish_byok_using_subcommand profile; and not __fish_seen_subcommand_from list show use help" -f -a "use" -d 'Make a profile the active one for later commands'
complete -c byok -n "__fish_byok_using_subcommand profile; and not __fish_seen_subcommand_from list show use help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c byok -n "__fish_byok_using_subcommand profile; and __fish_seen_subcommand_from list" -l profile -d 'Profile to use (default: BYOK_PROFILE, then the one `profile use` chose, then `default`)' -r
complete -c byok -n "__fish_byok_using_subcommand profile; and __fish_seen_subcommand_from list" -l color -d 'When to colour output' -r -f -a "auto\t''
always\t''
never\t''"
complete -c byok -n "__fish_byok_using_subcommand profile; and __fish_seen_subcommand_from list" -l json -d 'Print machine-readable JSON on stdout instead of tables'
complete -c byok -n "__fish_byok_using_subcommand profile; and __fish_seen_subcommand_from list" -s q -l quiet -d 'Print only the answer and errors: no progress, no confirmations'
complete -c byok -n "__fish_byok_using_subcommand profile; and __fish_seen_subcommand_from list" -s v -l verbose -d 'Trace each request (method, URL, status, time) on stderr; never a key'
complete -c byok -n "__fish_byok_using_subcommand profile; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help'
complete -c byok -n "__fish_byok_using_subcommand profile; and __fish_seen_subcommand_from list" -s V -l version -d 'Print version'
complete -c byok -n "__fish_byok_using_subcommand profile; and __fish_seen_subcommand_from show" -l profile -d 'Profile to use (default: BYOK_PROFILE, then the one `profile use` chose, then `default`)' -r
complete -c byok -n "__fish_byok_using_subcommand profile; and __fish_seen_subcommand_from show" -l color -d 'When to colour output' -r -f -a "auto\t''
always\t''
never\t''"
complete -c byok -n "__fish_byok_using_subcommand profile; and __fish_seen_subcommand_from show" -l json -d 'Print machine-readable JSON on stdout instead of tables'
complete -c byok -n "__fish_byok_using_subcommand profile; and __fish_seen_subcommand_from show" -s q -l quiet -d 'Print only the answer and errors: no progress, no confirmations'
complete -c byok -n "__fish_byok_using_subcommand profile; and __fish_seen_subcommand_from show" -s v -l verbose -d 'Trace each request (method, URL, status, time) on stderr; never a key'
complete -c byok -n "__fish_byok_using_subcommand profile; and __fish_seen_subcommand_from show" -s h -l help -d 'Print help'
complete -c byok -n "__fish_byok_using_subcommand profile; and __fish_seen_subcommand_from show" -s V -l version -d 'Print version'
complete -c byok -n "__fish_byok_using_subcommand profile; and __fish_seen_subcommand_from use" -l profile -d 'Profile to use (default: BYOK_PROFILE, then the one `profile use` chose, then `default`)' -r
complete -c byok -n "__fish_byok_using_subcommand profile; and __fish_seen_subcommand_from use" -l color -d 'When to colour output' -r -f -a "auto\t''
always\t''
never\t''"
complete -c byok -n "__fish_byok_using_subcommand profile; and __fish_seen_subcommand_from use" -l json -d 'Print machine-readable JSON on stdout instead of tables'
complete -c byok -n "__fish_byok_using_subcommand profile; and __fish_seen_subcommand_from use" -s q -l quiet -d 'Print only the answer and errors: no progress, no confirmations'
complete -c byok -n "__fish_byok_using_subcommand profile; and __fish_seen_subcommand_from use" -s v -l verbose -d 'Trace each request (method, URL, status, time) on stderr; never a key'
complete -c byok -n "__fish_byok_using_subcommand profile; and __fish_seen_subcommand_from use" -s h -l help -d 'Print help'
complete -c byok -n "__fish_byok_using_subcommand profile; and __fish_seen_subcommand_from use" -s V -l version -d 'Print version'
complete -c byok -n "__fish_byok_using_subcommand profile; and __fish_seen_subcommand_from help" -f -a "list" -d 'List profiles, marking the active one and why it is active'
complete -c byok -n "__fish_byok_using_subcommand profile; and __fish_seen_subcommand_from help" -f -a "show" -d 'Show the active profile: its file and what it sets (checked for errors)'
complete -c byok -n "__fish_byok_using_subcommand profile; and __fish_seen_subcommand_from help" -f -a "use" -d 'Make a profile the active one for later commands'
complete -c byok -n "__fish_byok_using_subcommand profile; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c byok -n "__fish_byok_using_subcommand completions" -l profile -d 'Profile to use (default: BYOK_PROFILE, then the one `profile use` chose, then `default`)' -r
complete -c byok -n "__fish_byok_using_subcommand completions" -l color -d 'When to colour output' -r -f -a "auto\t''
always\t''
never\t''"
complete -c byok -n "__fish_byok_using_subcommand completions" -l json -d 'Print machine-readable JSON on stdout instead of tables'
complete -c byok -n "__fish_byok_using_subcommand completions" -s q -l quiet -d 'Print only the answer and errors: no progress, no confirmations'
complete -c byok -n "__fish_byok_using_subcommand completions" -s v -l verbose -d 'Trace each request (method, URL, status, time) on stderr; never a key'
complete -c byok -n "__fish_byok_using_subcommand completions" -s h -l help -d 'Print help'
complete -c byok -n "__fish_byok_using_subcommand completions" -s V -l version -d 'Print version'
complete -c byok -n "__fish_byok_using_subcommand help; and not __fish_seen_subcommand_from run council usage status prices models exec key vault route profile completions help" -f -a "run" -d 'Send a prompt (arguments and/or piped stdin) and stream the answer to stdout'
complete -c byok -n "__fish_byok_using_subcommand help; and not __fish_seen_subcommand_from run council usage status prices models exec key vault route profile completions help" -f -a "council" -d 'Ask several models at once and decide the answer by vote (first, majority, strict, rank)'
complete -c byok -n "__fish_byok_using_subcommand help; and not __fish_seen_subcommand_from run council usage status prices models exec key vault route profile completions help" -f -a "usage" -d 'What was spent: calls, tokens and cost by provider, model, route, key or day, with budgets'
complete -c byok -n "__fish_byok_using_subcommand help; and not __fish_seen_subcommand_from run council usage status prices models exec key vault route profile completions help" -f -a "status" -d 'The vault, keyring, active profile, provider health and budgets at a glance'
complete -c byok -n "__fish_byok_using_subcommand help; and not __fish_seen_subcommand_from run council usage status prices models exec key vault route profile completions help" -f -a "prices" -d 'Show the price table used for costs (USD per million tokens)'
complete -c byok -n "__fish_byok_using_subcommand help; and not __fish_seen_subcommand_from run council usage status prices models exec key vault route profile completions help" -f -a "models" -d 'The models each configured key can reach, marked when a route uses them or the price table has them'
complete -c byok -n "__fish_byok_using_subcommand help; and not __fish_seen_subcommand_from run council usage status prices models exec key vault route profile completions help" -f -a "exec" -d 'Run a command with only the named providers\' keys in its environment'
complete -c byok -n "__fish_byok_using_subcommand help; and not __fish_seen_subcommand_from run council usage status prices models exec key vault route profile completions help" -f -a "key" -d 'Add, list, verify, rotate and revoke provider API keys'
complete -c byok -n "__fish_byok_using_subcommand help; and not __fish_seen_subcommand_from run council usage status prices models exec key vault route profile completions help" -f -a "vault" -d 'Create the vault, see how it is unlocked, and share it with recipients'
complete -c byok -n "__fish_byok_using_subcommand help; and not __fish_seen_subcommand_from run council usage status prices models exec key vault route profile completions help" -f -a "route" -d 'Map task routes to PROVIDER:MODEL with fallbacks, in the active profile'
complete -c byok -n "__fish_byok_using_subcommand help; and not __fish_seen_subcommand_from run council usage status prices models exec key vault route profile completions help" -f -a "profile" -d 'List, inspect and choose profiles (routes, allowlist, budgets, custom providers)'
complete -c byok -n "__fish_byok_using_subcommand help; and not __fish_seen_subcommand_from run council usage status prices models exec key vault route profile completions help" -f -a "completions" -d 'Print a shell completion script on stdout'
complete -c byok -n "__fish_byok_using_subcommand help; and not __fish_seen_subcommand_from run council usage status prices models exec key vault route profile completions help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c byok -n "__fish_byok_using_subcommand help; and __fish_seen_subcommand_from key" -f -a "add" -d 'Add a key; the secret is read from piped stdin or a hidden prompt, never from argv'
complete -c byok -n "__fish_byok_using_subcommand help; and __fish_seen_subcommand_from key" -f -a "list" -d 'List keys, masked, from the vault and from provider environment variables'
complete -c byok -n "__fish_byok_using_subcommand help; and __fish_seen_subcommand_from key" -f -a "verify" -d 'Check keys with each provider\'s free model-list probe, all at once'
complete -c byok -n "__fish_byok_using_subcommand help; and __fish_seen_subcommand_from key" -f -a "rotate" -d 'Replace a key with a new one, keeping the old one as "previous" for rollback'
complete -c byok -n "__fish_byok_using_subcommand help; and __fish_seen_subcommand_from key" -f -a "revoke" -d 'Remove a key (or only its previous version) from the vault'
complete -c byok -n "__fish_byok_using_subcommand help; and __fish_seen_subcommand_from vault" -f -a "init" -d 'Create the vault: unlocked by the OS keyring, or by a passphrase with --passphrase'
complete -c byok -n "__fish_byok_using_subcommand help; and __fish_seen_subcommand_from vault" -f -a "status" -d 'Where the vault is, how it is unlocked, its recipients and key count'
complete -c byok -n "__fish_byok_using_subcommand help; and __fish_seen_subcommand_from vault" -f -a "recipients" -d 'List, add and remove the public keys the vault is encrypted to (team and CI sharing)'
complete -c byok -n "__fish_byok_using_subcommand help; and __fish_seen_subcommand_from route" -f -a "set" -d 'Create or replace a route in the active profile (comments and layout are kept)'
complete -c byok -n "__fish_byok_using_subcommand help; and __fish_seen_subcommand_from route" -f -a "list" -d 'List the active profile\'s routes'
complete -c byok -n "__fish_byok_using_subcommand help; and __fish_seen_subcommand_from route" -f -a "show" -d 'Explain what a run on the route would do, without calling any provider'
complete -c byok -n "__fish_byok_using_subcommand help; and __fish_seen_subcommand_from route" -f -a "rm" -d 'Remove a route from the active profile'
complete -c byok -n "__fish_byok_using_subcommand help; and __fish_seen_subcommand_from profile" -f -a "list" -d 'List profiles, marking the active one and why it is active'
complete -c byok -n "__fish_byok_using_subcommand help; and __fish_seen_subcommand_from profile" -f -a "show" -d 'Show the active profile: its file and what it sets (checked for errors)'
complete -c byok -n "__fish_byok_using_subcommand help; and __fish_seen_subcommand_from profile" -f -a "use" -d 'Make a profile the active one for later commands'
