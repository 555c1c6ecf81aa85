# Compiler flags shared by every target of the project.
add_compile_options(-Wall -Wextra -Wshadow -Wstrict-prototypes)
if(PDC_WARNINGS_AS_ERRORS)
  add_compile_options(-Werror)
endif()
# Reproducible __FILE__ in logs and asserts.
add_compile_options("-fmacro-prefix-map=${CMAKE_SOURCE_DIR}/=")

if(PDC_SANITIZE)
  set(_pdc_san -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  add_compile_options(${_pdc_san})
  add_link_options(${_pdc_san})
endif()
