# System libraries, all from Debian packages (tools/bootstrap installs them).
# Each dependency is one block: find it, then link its imported target where used.

# OpenSSL 3: crypto for DICE, TLS for every transport (libssl-dev).
find_package(OpenSSL 3.0 REQUIRED COMPONENTS Crypto SSL)

# libcurl: the HTTP transport (libcurl4-openssl-dev).
find_package(CURL REQUIRED)

# cJSON: request and response bodies (libcjson-dev ships a CMake config and a .pc).
find_package(PkgConfig REQUIRED)
pkg_check_modules(CJSON REQUIRED IMPORTED_TARGET libcjson)

# Eclipse Paho MQTT C (libpaho-mqtt-dev): its CMake config lacks find_dependency,
# so OpenSSL must be found first (done above). Enabled with the MQTT transport.
option(PDC_WITH_MQTT "Build the MQTT transports (Eclipse Paho MQTT C)" ON)
if(PDC_WITH_MQTT)
  find_package(eclipse-paho-mqtt-c REQUIRED)
endif()

# Qpid Proton-C (libqpid-proton11-dev): the AMQP transports.
option(PDC_WITH_AMQP "Build the AMQP transports (Qpid Proton-C)" ON)
# Debian's libqpid-proton.pc points two levels above pkgconfig/ (a multiarch bug) and there is
# no CMake config, so find the header and library directly. Cross builds pass PDC_PROTON_ROOT,
# where tools/lib/arch.sh unpacks the target's packages (they are not multiarch-installable).
set(PDC_PROTON_ROOT "" CACHE PATH "Root of an unpacked Qpid Proton-C (cross builds)")
if(PDC_WITH_AMQP)
  find_path(PROTON_INCLUDE_DIR proton/connection_driver.h HINTS "${PDC_PROTON_ROOT}/usr/include" REQUIRED)
  find_library(PROTON_LIBRARY qpid-proton HINTS "${PDC_PROTON_ROOT}/usr/lib/${CMAKE_LIBRARY_ARCHITECTURE}" REQUIRED)
  add_library(pdc_proton UNKNOWN IMPORTED)
  set_target_properties(pdc_proton PROPERTIES IMPORTED_LOCATION "${PROTON_LIBRARY}"
                        INTERFACE_INCLUDE_DIRECTORIES "${PROTON_INCLUDE_DIR}")
endif()
