
set edit:completion:arg-completer[byok] = { |@words|
    var index = (count $words)
    set index = (- $index 1)

    put (env _CLAP_IFS="\n" _CLAP_COMPLETE_INDEX=(to-string $index) BYOK_COMPLETE="elvish" byok -- $@words) | to-lines
}

