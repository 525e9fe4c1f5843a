# linearConfig.cmake - find_package(linear) for an installed linear.h.
# Gives the INTERFACE target linear::linear; the header sits in
# <prefix>/include, three levels above this file (<prefix>/share/linear/cmake).
# The target links the math library (the training functions, the random
# numbers and the initialisation call sqrtf, logf and expf) except with MSVC,
# whose C library has them; LINEAR_LIBM OFF before find_package leaves it out.
get_filename_component(_linear_prefix "${CMAKE_CURRENT_LIST_DIR}/../../.." ABSOLUTE)
if(NOT TARGET linear::linear)
  add_library(linear::linear INTERFACE IMPORTED)
  set_target_properties(linear::linear PROPERTIES
    INTERFACE_INCLUDE_DIRECTORIES "${_linear_prefix}/include")
  if(NOT DEFINED LINEAR_LIBM)
    if(MSVC)
      set(LINEAR_LIBM OFF)
    else()
      set(LINEAR_LIBM ON)
    endif()
  endif()
  if(LINEAR_LIBM)
    set_property(TARGET linear::linear PROPERTY INTERFACE_LINK_LIBRARIES m)
  endif()
endif()
set(linear_INCLUDE_DIRS "${_linear_prefix}/include")
unset(_linear_prefix)
