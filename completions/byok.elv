
use builtin;
use str;

set edit:completion:arg-completer[byok] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'byok'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'byok'= {
            cand --profile 'Profile to use (default: BYOK_PROFILE, then the one `profile use` chose, then `default`)'
            cand --color 'When to colour output'
            cand --json 'Print machine-readable JSON on stdout instead of tables'
            cand -q 'Print only the answer and errors: no progress, no confirmations'
            cand --quiet 'Print only the answer and errors: no progress, no confirmations'
            cand -v 'Trace each request (method, URL, status, time) on stderr; never a key'
            cand --verbose 'Trace each request (method, URL, status, time) on stderr; never a key'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand run 'Send a prompt (arguments and/or piped stdin) and stream the answer to stdout'
            cand council 'Ask several models at once and decide the answer by vote (first, majority, strict, rank)'
            cand usage 'What was spent: calls, tokens and cost by provider, model, route, key or day, with budgets'
            cand status 'The vault, keyring, active profile, provider health and budgets at a glance'
            cand prices 'Show the price table used for costs (USD per million tokens)'
            cand models 'The models each configured key can reach, marked when a route uses them or the price table has them'
            cand exec 'Run a command with only the named providers'' keys in its environment'
            cand key 'Add, list, verify, rotate and revoke provider API keys'
            cand vault 'Create the vault, see how it is unlocked, and share it with recipients'
            cand route 'Map task routes to PROVIDER:MODEL with fallbacks, in the active profile'
            cand profile 'List, inspect and choose profiles (routes, allowlist, budgets, custom providers)'
            cand completions 'Print a shell completion script on stdout'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'byok;run'= {
            cand -s 'System prompt'
            cand --system 'System prompt'
            cand --max-tokens 'Most tokens to generate (per call)'
            cand --temperature 'Sampling temperature'
            cand --key 'Which vault key of each provider to use, by label (default: the route''s `key`, else `default`)'
            cand --timeout 'Stop the whole call (retries and fallbacks included) after this long: 90s, 2m, 500ms; a cut answer is kept and recorded, and byok exits 6'
            cand -r 'Route of the profile to use: its model, then its fallbacks (default: the route `default`)'
            cand --route 'Route of the profile to use: its model, then its fallbacks (default: the route `default`)'
            cand -m 'Model to use, as PROVIDER:MODEL (split at the first colon) or just PROVIDER for its default model'
            cand --model 'Model to use, as PROVIDER:MODEL (split at the first colon) or just PROVIDER for its default model'
            cand --profile 'Profile to use (default: BYOK_PROFILE, then the one `profile use` chose, then `default`)'
            cand --color 'When to colour output'
            cand --no-stdin 'Do not read stdin even when it is not a terminal'
            cand --stats 'Print the token and cost table on stderr even when it is not a terminal'
            cand --no-stream 'Wait for the whole answer instead of streaming it'
            cand --json 'Print machine-readable JSON on stdout instead of tables'
            cand -q 'Print only the answer and errors: no progress, no confirmations'
            cand --quiet 'Print only the answer and errors: no progress, no confirmations'
            cand -v 'Trace each request (method, URL, status, time) on stderr; never a key'
            cand --verbose 'Trace each request (method, URL, status, time) on stderr; never a key'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'byok;council'= {
            cand -s 'System prompt'
            cand --system 'System prompt'
            cand --max-tokens 'Most tokens to generate (per call)'
            cand --temperature 'Sampling temperature'
            cand --key 'Which vault key of each provider to use, by label (default: the route''s `key`, else `default`)'
            cand --timeout 'Stop the whole call (retries and fallbacks included) after this long: 90s, 2m, 500ms; a cut answer is kept and recorded, and byok exits 6'
            cand --members 'The members, as PROVIDER:MODEL separated by commas (default: the profile''s [council] members)'
            cand --mode 'How the council decides (default: the profile''s, else majority)'
            cand --quorum 'How many members must answer (default: all for strict, 1 otherwise)'
            cand --chair 'With --mode rank: the model that writes the final answer from the top-ranked answers'
            cand --profile 'Profile to use (default: BYOK_PROFILE, then the one `profile use` chose, then `default`)'
            cand --color 'When to colour output'
            cand --no-stdin 'Do not read stdin even when it is not a terminal'
            cand --stats 'Print the token and cost table on stderr even when it is not a terminal'
            cand --json 'Print machine-readable JSON on stdout instead of tables'
            cand -q 'Print only the answer and errors: no progress, no confirmations'
            cand --quiet 'Print only the answer and errors: no progress, no confirmations'
            cand -v 'Trace each request (method, URL, status, time) on stderr; never a key'
            cand --verbose 'Trace each request (method, URL, status, time) on stderr; never a key'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'byok;usage'= {
            cand --since 'First day to include (default: the first of this month)'
            cand --until 'Last day to include (default: today)'
            cand --by 'How to group the calls'
            cand --profile 'Profile to use (default: BYOK_PROFILE, then the one `profile use` chose, then `default`)'
            cand --color 'When to colour output'
            cand --csv 'Print comma-separated values instead of a table'
            cand --json 'Print machine-readable JSON on stdout instead of tables'
            cand -q 'Print only the answer and errors: no progress, no confirmations'
            cand --quiet 'Print only the answer and errors: no progress, no confirmations'
            cand -v 'Trace each request (method, URL, status, time) on stderr; never a key'
            cand --verbose 'Trace each request (method, URL, status, time) on stderr; never a key'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'byok;status'= {
            cand --profile 'Profile to use (default: BYOK_PROFILE, then the one `profile use` chose, then `default`)'
            cand --color 'When to colour output'
            cand --json 'Print machine-readable JSON on stdout instead of tables'
            cand -q 'Print only the answer and errors: no progress, no confirmations'
            cand --quiet 'Print only the answer and errors: no progress, no confirmations'
            cand -v 'Trace each request (method, URL, status, time) on stderr; never a key'
            cand --verbose 'Trace each request (method, URL, status, time) on stderr; never a key'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'byok;prices'= {
            cand --profile 'Profile to use (default: BYOK_PROFILE, then the one `profile use` chose, then `default`)'
            cand --color 'When to colour output'
            cand --json 'Print machine-readable JSON on stdout instead of tables'
            cand -q 'Print only the answer and errors: no progress, no confirmations'
            cand --quiet 'Print only the answer and errors: no progress, no confirmations'
            cand -v 'Trace each request (method, URL, status, time) on stderr; never a key'
            cand --verbose 'Trace each request (method, URL, status, time) on stderr; never a key'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'byok;models'= {
            cand --profile 'Profile to use (default: BYOK_PROFILE, then the one `profile use` chose, then `default`)'
            cand --color 'When to colour output'
            cand --json 'Print machine-readable JSON on stdout instead of tables'
            cand -q 'Print only the answer and errors: no progress, no confirmations'
            cand --quiet 'Print only the answer and errors: no progress, no confirmations'
            cand -v 'Trace each request (method, URL, status, time) on stderr; never a key'
            cand --verbose 'Trace each request (method, URL, status, time) on stderr; never a key'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'byok;exec'= {
            cand --provider 'A provider whose key the command gets, as PROVIDER or PROVIDER/LABEL (repeat the flag, or give a comma list)'
            cand -r 'Every provider of this route''s chain (its model and fallbacks), with the route''s key label'
            cand --route 'Every provider of this route''s chain (its model and fallbacks), with the route''s key label'
            cand --key 'The vault key to hand over, by label, for every provider given without `/LABEL` (default: the route''s `key`, else `default`)'
            cand --profile 'Profile to use (default: BYOK_PROFILE, then the one `profile use` chose, then `default`)'
            cand --color 'When to colour output'
            cand --json 'Print machine-readable JSON on stdout instead of tables'
            cand -q 'Print only the answer and errors: no progress, no confirmations'
            cand --quiet 'Print only the answer and errors: no progress, no confirmations'
            cand -v 'Trace each request (method, URL, status, time) on stderr; never a key'
            cand --verbose 'Trace each request (method, URL, status, time) on stderr; never a key'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'byok;key'= {
            cand --profile 'Profile to use (default: BYOK_PROFILE, then the one `profile use` chose, then `default`)'
            cand --color 'When to colour output'
            cand --json 'Print machine-readable JSON on stdout instead of tables'
            cand -q 'Print only the answer and errors: no progress, no confirmations'
            cand --quiet 'Print only the answer and errors: no progress, no confirmations'
            cand -v 'Trace each request (method, URL, status, time) on stderr; never a key'
            cand --verbose 'Trace each request (method, URL, status, time) on stderr; never a key'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
            cand add 'Add a key; the secret is read from piped stdin or a hidden prompt, never from argv'
            cand list 'List keys, masked, from the vault and from provider environment variables'
            cand verify 'Check keys with each provider''s free model-list probe, all at once'
            cand rotate 'Replace a key with a new one, keeping the old one as "previous" for rollback'
            cand revoke 'Remove a key (or only its previous version) from the vault'
            cand rm 'Remove a key (or only its previous version) from the vault'
            cand remove 'Remove a key (or only its previous version) from the vault'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'byok;key;add'= {
            cand --label 'A name for this key, to keep several per provider'
            cand --profile 'Profile to use (default: BYOK_PROFILE, then the one `profile use` chose, then `default`)'
            cand --color 'When to colour output'
            cand --no-verify 'Store the key without asking the provider whether it works'
            cand --json 'Print machine-readable JSON on stdout instead of tables'
            cand -q 'Print only the answer and errors: no progress, no confirmations'
            cand --quiet 'Print only the answer and errors: no progress, no confirmations'
            cand -v 'Trace each request (method, URL, status, time) on stderr; never a key'
            cand --verbose 'Trace each request (method, URL, status, time) on stderr; never a key'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'byok;key;list'= {
            cand --profile 'Profile to use (default: BYOK_PROFILE, then the one `profile use` chose, then `default`)'
            cand --color 'When to colour output'
            cand --json 'Print machine-readable JSON on stdout instead of tables'
            cand -q 'Print only the answer and errors: no progress, no confirmations'
            cand --quiet 'Print only the answer and errors: no progress, no confirmations'
            cand -v 'Trace each request (method, URL, status, time) on stderr; never a key'
            cand --verbose 'Trace each request (method, URL, status, time) on stderr; never a key'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'byok;key;verify'= {
            cand --profile 'Profile to use (default: BYOK_PROFILE, then the one `profile use` chose, then `default`)'
            cand --color 'When to colour output'
            cand --json 'Print machine-readable JSON on stdout instead of tables'
            cand -q 'Print only the answer and errors: no progress, no confirmations'
            cand --quiet 'Print only the answer and errors: no progress, no confirmations'
            cand -v 'Trace each request (method, URL, status, time) on stderr; never a key'
            cand --verbose 'Trace each request (method, URL, status, time) on stderr; never a key'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'byok;key;rotate'= {
            cand --label 'label'
            cand --profile 'Profile to use (default: BYOK_PROFILE, then the one `profile use` chose, then `default`)'
            cand --color 'When to colour output'
            cand --no-verify 'Swap without asking the provider whether the new key works'
            cand --json 'Print machine-readable JSON on stdout instead of tables'
            cand -q 'Print only the answer and errors: no progress, no confirmations'
            cand --quiet 'Print only the answer and errors: no progress, no confirmations'
            cand -v 'Trace each request (method, URL, status, time) on stderr; never a key'
            cand --verbose 'Trace each request (method, URL, status, time) on stderr; never a key'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'byok;key;revoke'= {
            cand --label 'label'
            cand --profile 'Profile to use (default: BYOK_PROFILE, then the one `profile use` chose, then `default`)'
            cand --color 'When to colour output'
            cand --previous 'Remove only the previous key kept by `key rotate`'
            cand -y 'Do not ask for confirmation (needed when there is no terminal)'
            cand --yes 'Do not ask for confirmation (needed when there is no terminal)'
            cand --json 'Print machine-readable JSON on stdout instead of tables'
            cand -q 'Print only the answer and errors: no progress, no confirmations'
            cand --quiet 'Print only the answer and errors: no progress, no confirmations'
            cand -v 'Trace each request (method, URL, status, time) on stderr; never a key'
            cand --verbose 'Trace each request (method, URL, status, time) on stderr; never a key'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'byok;key;rm'= {
            cand --label 'label'
            cand --profile 'Profile to use (default: BYOK_PROFILE, then the one `profile use` chose, then `default`)'
            cand --color 'When to colour output'
            cand --previous 'Remove only the previous key kept by `key rotate`'
            cand -y 'Do not ask for confirmation (needed when there is no terminal)'
            cand --yes 'Do not ask for confirmation (needed when there is no terminal)'
            cand --json 'Print machine-readable JSON on stdout instead of tables'
            cand -q 'Print only the answer and errors: no progress, no confirmations'
            cand --quiet 'Print only the answer and errors: no progress, no confirmations'
            cand -v 'Trace each request (method, URL, status, time) on stderr; never a key'
            cand --verbose 'Trace each request (method, URL, status, time) on stderr; never a key'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'byok;key;remove'= {
            cand --label 'label'
            cand --profile 'Profile to use (default: BYOK_PROFILE, then the one `profile use` chose, then `default`)'
            cand --color 'When to colour output'
            cand --previous 'Remove only the previous key kept by `key rotate`'
            cand -y 'Do not ask for confirmation (needed when there is no terminal)'
            cand --yes 'Do not ask for confirmation (needed when there is no terminal)'
            cand --json 'Print machine-readable JSON on stdout instead of tables'
            cand -q 'Print only the answer and errors: no progress, no confirmations'
            cand --quiet 'Print only the answer and errors: no progress, no confirmations'
            cand -v 'Trace each request (method, URL, status, time) on stderr; never a key'
            cand --verbose 'Trace each request (method, URL, status, time) on stderr; never a key'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'byok;key;help'= {
            cand add 'Add a key; the secret is read from piped stdin or a hidden prompt, never from argv'
            cand list 'List keys, masked, from the vault and from provider environment variables'
            cand verify 'Check keys with each provider''s free model-list probe, all at once'
            cand rotate 'Replace a key with a new one, keeping the old one as "previous" for rollback'
            cand revoke 'Remove a key (or only its previous version) from the vault'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'byok;key;help;add'= {
        }
        &'byok;key;help;list'= {
        }
        &'byok;key;help;verify'= {
        }
        &'byok;key;help;rotate'= {
        }
        &'byok;key;help;revoke'= {
        }
        &'byok;key;help;help'= {
        }
        &'byok;vault'= {
            cand --profile 'Profile to use (default: BYOK_PROFILE, then the one `profile use` chose, then `default`)'
            cand --color 'When to colour output'
            cand --json 'Print machine-readable JSON on stdout instead of tables'
            cand -q 'Print only the answer and errors: no progress, no confirmations'
            cand --quiet 'Print only the answer and errors: no progress, no confirmations'
            cand -v 'Trace each request (method, URL, status, time) on stderr; never a key'
            cand --verbose 'Trace each request (method, URL, status, time) on stderr; never a key'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
            cand init 'Create the vault: unlocked by the OS keyring, or by a passphrase with --passphrase'
            cand status 'Where the vault is, how it is unlocked, its recipients and key count'
            cand recipients 'List, add and remove the public keys the vault is encrypted to (team and CI sharing)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'byok;vault;init'= {
            cand --profile 'Profile to use (default: BYOK_PROFILE, then the one `profile use` chose, then `default`)'
            cand --color 'When to colour output'
            cand --passphrase 'Protect the vault with a passphrase instead of the OS keyring'
            cand --json 'Print machine-readable JSON on stdout instead of tables'
            cand -q 'Print only the answer and errors: no progress, no confirmations'
            cand --quiet 'Print only the answer and errors: no progress, no confirmations'
            cand -v 'Trace each request (method, URL, status, time) on stderr; never a key'
            cand --verbose 'Trace each request (method, URL, status, time) on stderr; never a key'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'byok;vault;status'= {
            cand --profile 'Profile to use (default: BYOK_PROFILE, then the one `profile use` chose, then `default`)'
            cand --color 'When to colour output'
            cand --json 'Print machine-readable JSON on stdout instead of tables'
            cand -q 'Print only the answer and errors: no progress, no confirmations'
            cand --quiet 'Print only the answer and errors: no progress, no confirmations'
            cand -v 'Trace each request (method, URL, status, time) on stderr; never a key'
            cand --verbose 'Trace each request (method, URL, status, time) on stderr; never a key'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'byok;vault;recipients'= {
            cand --profile 'Profile to use (default: BYOK_PROFILE, then the one `profile use` chose, then `default`)'
            cand --color 'When to colour output'
            cand --json 'Print machine-readable JSON on stdout instead of tables'
            cand -q 'Print only the answer and errors: no progress, no confirmations'
            cand --quiet 'Print only the answer and errors: no progress, no confirmations'
            cand -v 'Trace each request (method, URL, status, time) on stderr; never a key'
            cand --verbose 'Trace each request (method, URL, status, time) on stderr; never a key'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
            cand list 'List the recipients from vault.toml, without unlocking the vault'
            cand add 'Encrypt the vault to one more recipient (a teammate, a CI job)'
            cand rm 'Re-encrypt the vault without a recipient; the keys it could read should be rotated'
            cand remove 'Re-encrypt the vault without a recipient; the keys it could read should be rotated'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'byok;vault;recipients;list'= {
            cand --profile 'Profile to use (default: BYOK_PROFILE, then the one `profile use` chose, then `default`)'
            cand --color 'When to colour output'
            cand --json 'Print machine-readable JSON on stdout instead of tables'
            cand -q 'Print only the answer and errors: no progress, no confirmations'
            cand --quiet 'Print only the answer and errors: no progress, no confirmations'
            cand -v 'Trace each request (method, URL, status, time) on stderr; never a key'
            cand --verbose 'Trace each request (method, URL, status, time) on stderr; never a key'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'byok;vault;recipients;add'= {
            cand --name 'A name to recognise it by, and to remove it by'
            cand --profile 'Profile to use (default: BYOK_PROFILE, then the one `profile use` chose, then `default`)'
            cand --color 'When to colour output'
            cand --json 'Print machine-readable JSON on stdout instead of tables'
            cand -q 'Print only the answer and errors: no progress, no confirmations'
            cand --quiet 'Print only the answer and errors: no progress, no confirmations'
            cand -v 'Trace each request (method, URL, status, time) on stderr; never a key'
            cand --verbose 'Trace each request (method, URL, status, time) on stderr; never a key'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'byok;vault;recipients;rm'= {
            cand --profile 'Profile to use (default: BYOK_PROFILE, then the one `profile use` chose, then `default`)'
            cand --color 'When to colour output'
            cand --force 'Remove it even if it is the identity that opened the vault'
            cand --json 'Print machine-readable JSON on stdout instead of tables'
            cand -q 'Print only the answer and errors: no progress, no confirmations'
            cand --quiet 'Print only the answer and errors: no progress, no confirmations'
            cand -v 'Trace each request (method, URL, status, time) on stderr; never a key'
            cand --verbose 'Trace each request (method, URL, status, time) on stderr; never a key'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'byok;vault;recipients;remove'= {
            cand --profile 'Profile to use (default: BYOK_PROFILE, then the one `profile use` chose, then `default`)'
            cand --color 'When to colour output'
            cand --force 'Remove it even if it is the identity that opened the vault'
            cand --json 'Print machine-readable JSON on stdout instead of tables'
            cand -q 'Print only the answer and errors: no progress, no confirmations'
            cand --quiet 'Print only the answer and errors: no progress, no confirmations'
            cand -v 'Trace each request (method, URL, status, time) on stderr; never a key'
            cand --verbose 'Trace each request (method, URL, status, time) on stderr; never a key'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'byok;vault;recipients;help'= {
            cand list 'List the recipients from vault.toml, without unlocking the vault'
            cand add 'Encrypt the vault to one more recipient (a teammate, a CI job)'
            cand rm 'Re-encrypt the vault without a recipient; the keys it could read should be rotated'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'byok;vault;recipients;help;list'= {
        }
        &'byok;vault;recipients;help;add'= {
        }
        &'byok;vault;recipients;help;rm'= {
        }
        &'byok;vault;recipients;help;help'= {
        }
        &'byok;vault;help'= {
            cand init 'Create the vault: unlocked by the OS keyring, or by a passphrase with --passphrase'
            cand status 'Where the vault is, how it is unlocked, its recipients and key count'
            cand recipients 'List, add and remove the public keys the vault is encrypted to (team and CI sharing)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'byok;vault;help;init'= {
        }
        &'byok;vault;help;status'= {
        }
        &'byok;vault;help;recipients'= {
            cand list 'List the recipients from vault.toml, without unlocking the vault'
            cand add 'Encrypt the vault to one more recipient (a teammate, a CI job)'
            cand rm 'Re-encrypt the vault without a recipient; the keys it could read should be rotated'
        }
        &'byok;vault;help;recipients;list'= {
        }
        &'byok;vault;help;recipients;add'= {
        }
        &'byok;vault;help;recipients;rm'= {
        }
        &'byok;vault;help;help'= {
        }
        &'byok;route'= {
            cand --profile 'Profile to use (default: BYOK_PROFILE, then the one `profile use` chose, then `default`)'
            cand --color 'When to colour output'
            cand --json 'Print machine-readable JSON on stdout instead of tables'
            cand -q 'Print only the answer and errors: no progress, no confirmations'
            cand --quiet 'Print only the answer and errors: no progress, no confirmations'
            cand -v 'Trace each request (method, URL, status, time) on stderr; never a key'
            cand --verbose 'Trace each request (method, URL, status, time) on stderr; never a key'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
            cand set 'Create or replace a route in the active profile (comments and layout are kept)'
            cand list 'List the active profile''s routes'
            cand show 'Explain what a run on the route would do, without calling any provider'
            cand rm 'Remove a route from the active profile'
            cand remove 'Remove a route from the active profile'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'byok;route;set'= {
            cand --fallback 'A model to fall back to, in order (repeat the flag); PROVIDER alone is its default model'
            cand --key 'The vault key label the route''s calls use'
            cand --profile 'Profile to use (default: BYOK_PROFILE, then the one `profile use` chose, then `default`)'
            cand --color 'When to colour output'
            cand --json 'Print machine-readable JSON on stdout instead of tables'
            cand -q 'Print only the answer and errors: no progress, no confirmations'
            cand --quiet 'Print only the answer and errors: no progress, no confirmations'
            cand -v 'Trace each request (method, URL, status, time) on stderr; never a key'
            cand --verbose 'Trace each request (method, URL, status, time) on stderr; never a key'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'byok;route;list'= {
            cand --profile 'Profile to use (default: BYOK_PROFILE, then the one `profile use` chose, then `default`)'
            cand --color 'When to colour output'
            cand --json 'Print machine-readable JSON on stdout instead of tables'
            cand -q 'Print only the answer and errors: no progress, no confirmations'
            cand --quiet 'Print only the answer and errors: no progress, no confirmations'
            cand -v 'Trace each request (method, URL, status, time) on stderr; never a key'
            cand --verbose 'Trace each request (method, URL, status, time) on stderr; never a key'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'byok;route;show'= {
            cand --profile 'Profile to use (default: BYOK_PROFILE, then the one `profile use` chose, then `default`)'
            cand --color 'When to colour output'
            cand --json 'Print machine-readable JSON on stdout instead of tables'
            cand -q 'Print only the answer and errors: no progress, no confirmations'
            cand --quiet 'Print only the answer and errors: no progress, no confirmations'
            cand -v 'Trace each request (method, URL, status, time) on stderr; never a key'
            cand --verbose 'Trace each request (method, URL, status, time) on stderr; never a key'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'byok;route;rm'= {
            cand --profile 'Profile to use (default: BYOK_PROFILE, then the one `profile use` chose, then `default`)'
            cand --color 'When to colour output'
            cand --json 'Print machine-readable JSON on stdout instead of tables'
            cand -q 'Print only the answer and errors: no progress, no confirmations'
            cand --quiet 'Print only the answer and errors: no progress, no confirmations'
            cand -v 'Trace each request (method, URL, status, time) on stderr; never a key'
            cand --verbose 'Trace each request (method, URL, status, time) on stderr; never a key'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'byok;route;remove'= {
            cand --profile 'Profile to use (default: BYOK_PROFILE, then the one `profile use` chose, then `default`)'
            cand --color 'When to colour output'
            cand --json 'Print machine-readable JSON on stdout instead of tables'
            cand -q 'Print only the answer and errors: no progress, no confirmations'
            cand --quiet 'Print only the answer and errors: no progress, no confirmations'
            cand -v 'Trace each request (method, URL, status, time) on stderr; never a key'
            cand --verbose 'Trace each request (method, URL, status, time) on stderr; never a key'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'byok;route;help'= {
            cand set 'Create or replace a route in the active profile (comments and layout are kept)'
            cand list 'List the active profile''s routes'
            cand show 'Explain what a run on the route would do, without calling any provider'
            cand rm 'Remove a route from the active profile'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'byok;route;help;set'= {
        }
        &'byok;route;help;list'= {
        }
        &'byok;route;help;show'= {
        }
        &'byok;route;help;rm'= {
        }
        &'byok;route;help;help'= {
        }
        &'byok;profile'= {
            cand --profile 'Profile to use (default: BYOK_PROFILE, then the one `profile use` chose, then `default`)'
            cand --color 'When to colour output'
            cand --json 'Print machine-readable JSON on stdout instead of tables'
            cand -q 'Print only the answer and errors: no progress, no confirmations'
            cand --quiet 'Print only the answer and errors: no progress, no confirmations'
            cand -v 'Trace each request (method, URL, status, time) on stderr; never a key'
            cand --verbose 'Trace each request (method, URL, status, time) on stderr; never a key'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
            cand list 'List profiles, marking the active one and why it is active'
            cand show 'Show the active profile: its file and what it sets (checked for errors)'
            cand use 'Make a profile the active one for later commands'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'byok;profile;list'= {
            cand --profile 'Profile to use (default: BYOK_PROFILE, then the one `profile use` chose, then `default`)'
            cand --color 'When to colour output'
            cand --json 'Print machine-readable JSON on stdout instead of tables'
            cand -q 'Print only the answer and errors: no progress, no confirmations'
            cand --quiet 'Print only the answer and errors: no progress, no confirmations'
            cand -v 'Trace each request (method, URL, status, time) on stderr; never a key'
            cand --verbose 'Trace each request (method, URL, status, time) on stderr; never a key'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'byok;profile;show'= {
            cand --profile 'Profile to use (default: BYOK_PROFILE, then the one `profile use` chose, then `default`)'
            cand --color 'When to colour output'
            cand --json 'Print machine-readable JSON on stdout instead of tables'
            cand -q 'Print only the answer and errors: no progress, no confirmations'
            cand --quiet 'Print only the answer and errors: no progress, no confirmations'
            cand -v 'Trace each request (method, URL, status, time) on stderr; never a key'
            cand --verbose 'Trace each request (method, URL, status, time) on stderr; never a key'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'byok;profile;use'= {
            cand --profile 'Profile to use (default: BYOK_PROFILE, then the one `profile use` chose, then `default`)'
            cand --color 'When to colour output'
            cand --json 'Print machine-readable JSON on stdout instead of tables'
            cand -q 'Print only the answer and errors: no progress, no confirmations'
            cand --quiet 'Print only the answer and errors: no progress, no confirmations'
            cand -v 'Trace each request (method, URL, status, time) on stderr; never a key'
            cand --verbose 'Trace each request (method, URL, status, time) on stderr; never a key'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'byok;profile;help'= {
            cand list 'List profiles, marking the active one and why it is active'
            cand show 'Show the active profile: its file and what it sets (checked for errors)'
            cand use 'Make a profile the active one for later commands'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'byok;profile;help;list'= {
        }
        &'byok;profile;help;show'= {
        }
        &'byok;profile;help;use'= {
        }
        &'byok;profile;help;help'= {
        }
        &'byok;completions'= {
            cand --profile 'Profile to use (default: BYOK_PROFILE, then the one `profile use` chose, then `default`)'
            cand --color 'When to colour output'
            cand --json 'Print machine-readable JSON on stdout instead of tables'
            cand -q 'Print only the answer and errors: no progress, no confirmations'
            cand --quiet 'Print only the answer and errors: no progress, no confirmations'
            cand -v 'Trace each request (method, URL, status, time) on stderr; never a key'
            cand --verbose 'Trace each request (method, URL, status, time) on stderr; never a key'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'byok;help'= {
            cand run 'Send a prompt (arguments and/or piped stdin) and stream the answer to stdout'
            cand council 'Ask several models at once and decide the answer by vote (first, majority, strict, rank)'
            cand usage 'What was spent: calls, tokens and cost by provider, model, route, key or day, with budgets'
            cand status 'The vault, keyring, active profile, provider health and budgets at a glance'
            cand prices 'Show the price table used for costs (USD per million tokens)'
            cand models 'The models each configured key can reach, marked when a route uses them or the price table has them'
            cand exec 'Run a command with only the named providers'' keys in its environment'
            cand key 'Add, list, verify, rotate and revoke provider API keys'
            cand vault 'Create the vault, see how it is unlocked, and share it with recipients'
            cand route 'Map task routes to PROVIDER:MODEL with fallbacks, in the active profile'
            cand profile 'List, inspect and choose profiles (routes, allowlist, budgets, custom providers)'
            cand completions 'Print a shell completion script on stdout'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'byok;help;run'= {
        }
        &'byok;help;council'= {
        }
        &'byok;help;usage'= {
        }
        &'byok;help;status'= {
        }
        &'byok;help;prices'= {
        }
        &'byok;help;models'= {
        }
        &'byok;help;exec'= {
        }
        &'byok;help;key'= {
            cand add 'Add a key; the secret is read from piped stdin or a hidden prompt, never from argv'
            cand list 'List keys, masked, from the vault and from provider environment variables'
            cand verify 'Check keys with each provider''s free model-list probe, all at once'
            cand rotate 'Replace a key with a new one, keeping the old one as "previous" for rollback'
            cand revoke 'Remove a key (or only its previous version) from the vault'
        }
        &'byok;help;key;add'= {
        }
        &'byok;help;key;list'= {
        }
        &'byok;help;key;verify'= {
        }
        &'byok;help;key;rotate'= {
        }
        &'byok;help;key;revoke'= {
        }
        &'byok;help;vault'= {
            cand init 'Create the vault: unlocked by the OS keyring, or by a passphrase with --passphrase'
            cand status 'Where the vault is, how it is unlocked, its recipients and key count'
            cand recipients 'List, add and remove the public keys the vault is encrypted to (team and CI sharing)'
        }
        &'byok;help;vault;init'= {
        }
        &'byok;help;vault;status'= {
        }
        &'byok;help;vault;recipients'= {
            cand list 'List the recipients from vault.toml, without unlocking the vault'
            cand add 'Encrypt the vault to one more recipient (a teammate, a CI job)'
            cand rm 'Re-encrypt the vault without a recipient; the keys it could read should be rotated'
        }
        &'byok;help;vault;recipients;list'= {
        }
        &'byok;help;vault;recipients;add'= {
        }
        &'byok;help;vault;recipients;rm'= {
        }
        &'byok;help;route'= {
            cand set 'Create or replace a route in the active profile (comments and layout are kept)'
            cand list 'List the active profile''s routes'
            cand show 'Explain what a run on the route would do, without calling any provider'
            cand rm 'Remove a route from the active profile'
        }
        &'byok;help;route;set'= {
        }
        &'byok;help;route;list'= {
        }
        &'byok;help;route;show'= {
        }
        &'byok;help;route;rm'= {
        }
        &'byok;help;profile'= {
            cand list 'List profiles, marking the active one and why it is active'
            cand show 'Show the active profile: its file and what it sets (checked for errors)'
            cand use 'Make a profile the active one for later commands'
        }
        &'byok;help;profile;list'= {
        }
        &'byok;help;profile;show'= {
        }
        &'byok;help;profile;use'= {
        }
        &'byok;help;completions'= {
        }
        &'byok;help;help'= {
        }
    ]
    $completions[$command]
}
