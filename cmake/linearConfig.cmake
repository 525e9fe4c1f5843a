# linearConfig.cmake - find_package(linear) for an installed linear.h.
# Gives the INTERFACE target linear::linear; the header sits in
# <prefix>/include, three levels above this file (<prefix>/share/linear/cmake).
get_filename_component(_linear_prefix "${CMAKE_CURRENT_LIST_DIR}/../../.." ABSOLUTE)
if(NOT TARGET linear::linear)
  add_library(linear::linear INTERFACE IMPORTED)
  set_target_properties(linear::linear PROPERTIES
    INTERFACE_INCLUDE_DIRECTORIES "${_linear_prefix}/include")
endif()
set(linear_INCLUDE_DIRS "${_linear_prefix}/include")
unset(_linear_prefix)
