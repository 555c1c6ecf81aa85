# The private cffi module provisioning_device_client._native (exposes only ffi, lib).
# Python only emits C (tools/gen_cffi.py, from the reviewed cdef files in python/cdef);
# CMake compiles it, as an abi3 module when scikit-build-core asks for one.

if(NOT PDC_WITH_MQTT OR NOT PDC_WITH_AMQP)
  message(FATAL_ERROR "the Python module needs every transport: configure with PDC_WITH_MQTT=ON and PDC_WITH_AMQP=ON")
endif()

if(DEFINED SKBUILD_SABI_COMPONENT AND NOT "${SKBUILD_SABI_COMPONENT}" STREQUAL "")
  set(_pdc_sabi_component ${SKBUILD_SABI_COMPONENT})
endif()
find_package(Python 3.9 REQUIRED COMPONENTS Interpreter Development.Module ${_pdc_sabi_component})

file(GLOB _pdc_cdefs CONFIGURE_DEPENDS "${CMAKE_SOURCE_DIR}/python/cdef/*.h")
set(_pdc_native_c "${CMAKE_CURRENT_BINARY_DIR}/_native.c")
add_custom_command(
  OUTPUT "${_pdc_native_c}"
  COMMAND "${Python_EXECUTABLE}" "${CMAKE_SOURCE_DIR}/tools/gen_cffi.py"
          "${CMAKE_SOURCE_DIR}/python/cdef" "${_pdc_native_c}"
  DEPENDS "${CMAKE_SOURCE_DIR}/tools/gen_cffi.py" ${_pdc_cdefs}
  COMMENT "Emitting the cffi C source for provisioning_device_client._native"
  VERBATIM)

if(_pdc_sabi_component)
  Python_add_library(_native MODULE WITH_SOABI USE_SABI ${SKBUILD_SABI_VERSION} "${_pdc_native_c}")
else()
  Python_add_library(_native MODULE WITH_SOABI "${_pdc_native_c}")
endif()
# cffi's generated code trips a few of our strict warnings; they are not ours to fix.
target_compile_options(_native PRIVATE -Wno-unused-parameter -Wno-strict-prototypes -Wno-shadow)
target_link_libraries(_native PRIVATE pdc)
if(CMAKE_CROSSCOMPILING AND NOT _pdc_sabi_component AND SKBUILD_SOABI)
  set_target_properties(_native PROPERTIES SUFFIX ".${SKBUILD_SOABI}.so")
endif()
install(TARGETS _native LIBRARY DESTINATION provisioning_device_client)
