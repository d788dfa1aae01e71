# The warning set of docs/../c-style.md section 9, probed per compiler so that
# gcc and clang each get every flag they understand.
include(CheckCCompilerFlag)

set(AGS_WARNINGS_COMMON -Wall -Wextra -Wshadow -Wformat=2 -Wstrict-prototypes
    -Wmissing-prototypes -Wold-style-definition -Wpointer-arith -Wcast-qual
    -Wwrite-strings -Wundef -Wvla -Wimplicit-fallthrough -Wnull-dereference
    -Wredundant-decls -Wnested-externs -Winit-self -Wmissing-noreturn
    -Wconversion -Wno-sign-conversion
    -Werror=implicit-function-declaration -Werror=incompatible-pointer-types
    -Werror=int-conversion -Werror=return-type -Werror=format-security)
set(AGS_WARNINGS_GCC -Wlogical-op -Wduplicated-cond -Wduplicated-branches
    -Werror=jump-misses-init -Wformat-signedness -Wformat-overflow=2
    -Wcast-align=strict -Wshift-overflow=2 -Walloc-zero -Wmissing-declarations
    -Wsuggest-attribute=format -Warray-bounds=2 -Wtrampolines)
set(AGS_WARNINGS_CLANG -Wcomma -Wconditional-uninitialized -Wshorten-64-to-32
    -Wassign-enum -Wmissing-variable-declarations -Wloop-analysis
    -Wunreachable-code-aggressive -Wcast-align)

if(CMAKE_C_COMPILER_ID STREQUAL "GNU")
  set(_ags_candidates ${AGS_WARNINGS_COMMON} ${AGS_WARNINGS_GCC})
else()
  set(_ags_candidates ${AGS_WARNINGS_COMMON} ${AGS_WARNINGS_CLANG})
endif()

set(AGS_WARNING_FLAGS "")
foreach(_flag IN LISTS _ags_candidates)
  string(MAKE_C_IDENTIFIER "AGS_HAS${_flag}" _var)
  check_c_compiler_flag("${_flag}" ${_var})
  if(${_var})
    list(APPEND AGS_WARNING_FLAGS ${_flag})
  endif()
endforeach()
