complete --keep-order --exclusive --command byok --arguments "(BYOK_COMPLETE=fish byok -- (commandline --current-process --tokenize --cut-at-cursor) (commandline --current-token))"
