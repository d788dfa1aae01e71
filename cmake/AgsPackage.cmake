# What `cmake --install` places besides the binary and the shipped files
# (src/CMakeLists.txt), and the Debian package `cpack -G DEB` makes of it.
#
#   bin/ags, lib/ags/ags-helper, share/ags/{containerfile,agent-assets}
#        (ags finds these relative to its executable: run/shipped.c, so any
#        prefix works; the helper is a static PIE, which lintian accepts)
#   share/man/man1/ags.1.gz   generated from docs/ags.1.md (tools/md2man.py)
#   share/doc/ags/{copyright,changelog.gz}   what Debian policy asks of a package
#   share/bash-completion/completions/ags, share/zsh/vendor-completions/_ags,
#   share/fish/vendor_completions.d/ags.fish   written by the built
#        `ags completions` (the flag tables the parsers read)
include(GNUInstallDirs)
find_package(Python3 REQUIRED COMPONENTS Interpreter)
find_program(AGS_GZIP gzip REQUIRED)

set(AGS_MAINTAINER "ags maintainers <maintainers@users.noreply.b-seed-57d01f21.example>")

# The manual page: build/ags.1 (man -l build/ags.1) and its gzip for installing.
set(AGS_MAN_PAGE ${CMAKE_BINARY_DIR}/ags.1)
add_custom_command(
    OUTPUT ${AGS_MAN_PAGE} ${AGS_MAN_PAGE}.gz
    COMMAND ${Python3_EXECUTABLE} ${CMAKE_SOURCE_DIR}/tools/md2man.py
            --source "ags ${PROJECT_VERSION}" ${CMAKE_SOURCE_DIR}/docs/ags.1.md ${AGS_MAN_PAGE}
    COMMAND ${AGS_GZIP} -9nkf ${AGS_MAN_PAGE}
    DEPENDS ${CMAKE_SOURCE_DIR}/docs/ags.1.md ${CMAKE_SOURCE_DIR}/tools/md2man.py
    COMMENT "Generating the manual page ags.1 from docs/ags.1.md"
    VERBATIM)

# The changelog a native Debian package carries (its date honours
# SOURCE_DATE_EPOCH, so the package can be built reproducibly).
string(TIMESTAMP AGS_CHANGELOG_DATE "%a, %d %b %Y %H:%M:%S +0000" UTC)
set(AGS_CHANGELOG ${CMAKE_BINARY_DIR}/deb/changelog)
configure_file(${CMAKE_SOURCE_DIR}/cmake/deb/changelog.in ${AGS_CHANGELOG} @ONLY)
add_custom_command(
    OUTPUT ${AGS_CHANGELOG}.gz
    COMMAND ${AGS_GZIP} -9nkf ${AGS_CHANGELOG}
    DEPENDS ${AGS_CHANGELOG}
    VERBATIM)
add_custom_target(ags-docs ALL DEPENDS ${AGS_MAN_PAGE}.gz ${AGS_CHANGELOG}.gz)

# The completion scripts, from the binary just built.
set(AGS_COMPLETIONS_DIR ${CMAKE_BINARY_DIR}/completions)
set(AGS_COMPLETIONS ${AGS_COMPLETIONS_DIR}/ags.bash ${AGS_COMPLETIONS_DIR}/_ags
    ${AGS_COMPLETIONS_DIR}/ags.fish)
add_custom_command(
    OUTPUT ${AGS_COMPLETIONS}
    COMMAND ${CMAKE_COMMAND} -E make_directory ${AGS_COMPLETIONS_DIR}
    COMMAND $<TARGET_FILE:ags> completions --shell bash > ${AGS_COMPLETIONS_DIR}/ags.bash
    COMMAND $<TARGET_FILE:ags> completions --shell zsh > ${AGS_COMPLETIONS_DIR}/_ags
    COMMAND $<TARGET_FILE:ags> completions --shell fish > ${AGS_COMPLETIONS_DIR}/ags.fish
    DEPENDS ags
    COMMENT "Writing the bash, zsh and fish completions with ags completions")
add_custom_target(ags-completions ALL DEPENDS ${AGS_COMPLETIONS})

install(FILES ${AGS_MAN_PAGE}.gz DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
install(FILES ${AGS_COMPLETIONS_DIR}/ags.bash DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions
        RENAME ags)
install(FILES ${AGS_COMPLETIONS_DIR}/_ags DESTINATION ${CMAKE_INSTALL_DATADIR}/zsh/vendor-completions)
install(FILES ${AGS_COMPLETIONS_DIR}/ags.fish
        DESTINATION ${CMAKE_INSTALL_DATADIR}/fish/vendor_completions.d)
install(FILES ${CMAKE_SOURCE_DIR}/cmake/deb/copyright ${AGS_CHANGELOG}.gz
        DESTINATION ${CMAKE_INSTALL_DOCDIR})

# cpack -G DEB (from the build tree) -> ags_<version>_<arch>.deb installing
# into /usr.  Depends: the shared libraries (dpkg-shlibdeps) and what a run
# needs (rootless Podman with its network helper and subordinate id tools);
# Recommends: what update-image without a registry (mmdebstrap) and setup
# (git) use.  tests/package/deb-test.sh builds, lints, installs and removes it.
set(CPACK_PACKAGE_NAME ags)
set(CPACK_PACKAGE_VENDOR "the ags authors")
set(CPACK_PACKAGE_CONTACT "${AGS_MAINTAINER}")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "run AI coding agents in rootless Podman sandboxes")
set(CPACK_PACKAGE_DESCRIPTION "ags launches a coding agent (pi, claude, codex, gemini,
opencode or a plain shell) inside a rootless Podman sandbox, so that it can
work on the repository you are in without reaching the rest of your host.
It talks to Podman's libpod REST API directly, keeps secrets out of argv,
files and podman inspect, and cleans up after every kind of exit.")
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "${AGS_MAINTAINER}")
set(CPACK_DEBIAN_PACKAGE_SECTION utils)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "libcurl4, podman | bubblewrap, slirp4netns, uidmap")
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "mmdebstrap, git")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "gnome-keyring")
include(CPack)
