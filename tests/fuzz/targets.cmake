# One line per fuzz target: ags_fuzz_target(<name> LIBS <layer libraries>)
ags_fuzz_target(config LIBS ags_config)
ags_fuzz_target(toml LIBS ags_toml)
