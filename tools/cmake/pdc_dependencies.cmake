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
option(PDC_WITH_AMQP "Build the AMQP transports (Qpid Proton-C)" OFF)
if(PDC_WITH_AMQP)
  pkg_check_modules(PROTON REQUIRED IMPORTED_TARGET libqpid-proton)
endif()
