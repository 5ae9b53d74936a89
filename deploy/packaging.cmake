# The sipsteer .deb (CPack), included at the end of the top-level
# CMakeLists.txt. Build it from a release tree:
#   cmake -S . -B build/release -G Ninja -DCMAKE_BUILD_TYPE=Release
#   cmake --build build/release --target package      # -> build/release/sipsteer_<ver>_<arch>.deb
#
# Everything the package holds is installed in the component `sipsteer`, and
# only that component is packaged: the components' own install() rules (no
# component) stay usable for `cmake --install` without mixing in here. Each
# binary is packaged only if its target exists in this tree, so the file
# works whatever subset of dataplane/control/bpf is built.
#
# Layout:
#   /usr/sbin/sipsteer-dp, /usr/sbin/sipsteerd, /usr/bin/sipsteerctl
#   /usr/lib/sipsteer/bpf/*.bpf.o                      XDP programs
#   /lib/systemd/system/{sipsteer-dp,sipsteerd}.service, sipsteer.target
#   /usr/lib/sysusers.d/sipsteer.conf, /usr/lib/tmpfiles.d/sipsteer.conf
#   /etc/sipsteer/sipsteer.yaml, /etc/default/sipsteer  (conffiles)
#   /usr/share/sipsteer/prometheus/{prometheus.yml,sipsteer-alerts.yml}
#   /usr/share/sipsteer/grafana/sipsteer-dashboard.json
#   /usr/share/doc/sipsteer/*.md
set(SIPSTEER_DEPLOY_DIR ${CMAKE_CURRENT_LIST_DIR})

foreach(target sipsteer-dp sipsteerd)
  if(TARGET ${target})
    install(TARGETS ${target} RUNTIME DESTINATION sbin COMPONENT sipsteer)
  endif()
endforeach()
if(TARGET sipsteerctl)
  install(TARGETS sipsteerctl RUNTIME DESTINATION bin COMPONENT sipsteer)
endif()
if(TARGET sipsteer_bpf_objects AND SIPSTEER_BPF_OBJECT_DIR)
  install(FILES ${SIPSTEER_BPF_OBJECT_DIR}/xdp_front.bpf.o ${SIPSTEER_BPF_OBJECT_DIR}/xdp_steer.bpf.o
          DESTINATION lib/sipsteer/bpf COMPONENT sipsteer)
endif()

install(FILES ${SIPSTEER_DEPLOY_DIR}/systemd/sipsteer-dp.service ${SIPSTEER_DEPLOY_DIR}/systemd/sipsteerd.service
              ${SIPSTEER_DEPLOY_DIR}/systemd/sipsteer.target
        DESTINATION /lib/systemd/system COMPONENT sipsteer)
install(FILES ${SIPSTEER_DEPLOY_DIR}/systemd/sipsteer.sysusers DESTINATION lib/sysusers.d
        RENAME sipsteer.conf COMPONENT sipsteer)
install(FILES ${SIPSTEER_DEPLOY_DIR}/systemd/sipsteer.tmpfiles DESTINATION lib/tmpfiles.d
        RENAME sipsteer.conf COMPONENT sipsteer)
set(SIPSTEER_CONFFILES /etc/default/sipsteer)
install(FILES ${SIPSTEER_DEPLOY_DIR}/systemd/sipsteer.default DESTINATION /etc/default
        RENAME sipsteer COMPONENT sipsteer)
# The example configuration belongs to the control plane (deploy/sipsteer.yaml).
if(EXISTS ${SIPSTEER_DEPLOY_DIR}/sipsteer.yaml)
  install(FILES ${SIPSTEER_DEPLOY_DIR}/sipsteer.yaml DESTINATION /etc/sipsteer COMPONENT sipsteer)
  list(APPEND SIPSTEER_CONFFILES /etc/sipsteer/sipsteer.yaml)
endif()
install(FILES ${SIPSTEER_DEPLOY_DIR}/prometheus/prometheus.yml ${SIPSTEER_DEPLOY_DIR}/prometheus/sipsteer-alerts.yml
        DESTINATION share/sipsteer/prometheus COMPONENT sipsteer)
install(FILES ${SIPSTEER_DEPLOY_DIR}/grafana/sipsteer-dashboard.json
        DESTINATION share/sipsteer/grafana COMPONENT sipsteer)
file(GLOB SIPSTEER_DOCS ${CMAKE_SOURCE_DIR}/docs/*.md)
install(FILES ${SIPSTEER_DOCS} DESTINATION share/doc/sipsteer COMPONENT sipsteer)

# Maintainer scripts (accounts, runtime directory, config mode) + conffiles.
set(SIPSTEER_DEB_CONTROL ${CMAKE_BINARY_DIR}/deb-control)
file(MAKE_DIRECTORY ${SIPSTEER_DEB_CONTROL})
list(JOIN SIPSTEER_CONFFILES "\n" SIPSTEER_CONFFILES_TEXT)
file(WRITE ${SIPSTEER_DEB_CONTROL}/conffiles "${SIPSTEER_CONFFILES_TEXT}\n")

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME sipsteer)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_VENDOR "sipsteer")
set(CPACK_PACKAGE_CONTACT "sipsteer maintainers <sipsteer@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "SIP load balancer and health monitor (DPDK + XDP fast path)")
set(CPACK_PACKAGE_DESCRIPTION
    "Spreads SIP over UDP from one virtual address over a pool of SIP servers the way\nDNS SRV says (priority tiers, weights), keeps dialogs on their server, and takes\na dead server out of rotation within milliseconds. sipsteer-dp (DPDK fast path),\nsipsteerd (health checks, DNS, tables, Prometheus exporter), sipsteerctl (CLI),\nXDP programs, systemd units, Prometheus rules and a Grafana dashboard.")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_COMPONENTS_ALL sipsteer)
set(CPACK_COMPONENTS_GROUPING ALL_COMPONENTS_IN_ONE)
set(CPACK_DEBIAN_PACKAGE_NAME sipsteer)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
# Library dependencies (libdpdk PMDs, libbpf1, libc-ares2, prometheus-cpp,
# yaml-cpp, libsodium23, ...) come from dpkg-shlibdeps on the binaries.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(SIPSTEER_DEB_DEPENDS "systemd (>= 247) | adduser")
# DPDK drivers are plugins EAL loads from its pmds-<ABI> directory, invisible
# to dpkg-shlibdeps: the mempool handler, the buses and the PMDs sipsteer is
# documented with. Other NICs' PMDs come with `dpdk` (recommended).
# Debian names them by DPDK ABI: 22.11 -> 23 (an xx.11 LTS has ABI xx+1).
if(TARGET sipsteer-dp)
  execute_process(COMMAND pkg-config --modversion libdpdk OUTPUT_VARIABLE SIPSTEER_DPDK_VERSION
                  OUTPUT_STRIP_TRAILING_WHITESPACE RESULT_VARIABLE SIPSTEER_DPDK_RC)
  if(SIPSTEER_DPDK_RC EQUAL 0 AND SIPSTEER_DPDK_VERSION MATCHES "^([0-9]+)\\.([0-9]+)")
    set(SIPSTEER_DPDK_ABI ${CMAKE_MATCH_1})
    if(CMAKE_MATCH_2 STREQUAL "11")
      math(EXPR SIPSTEER_DPDK_ABI "${SIPSTEER_DPDK_ABI} + 1")
    endif()
    foreach(plugin mempool-ring bus-pci bus-vdev net-af-xdp net-af-packet)
      string(APPEND SIPSTEER_DEB_DEPENDS ", librte-${plugin}${SIPSTEER_DPDK_ABI}")
    endforeach()
  endif()
endif()
set(CPACK_DEBIAN_PACKAGE_DEPENDS "${SIPSTEER_DEB_DEPENDS}")
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "dpdk")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "prometheus, driverctl")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${SIPSTEER_DEB_CONTROL}/conffiles ${SIPSTEER_DEPLOY_DIR}/packaging/postinst
    ${SIPSTEER_DEPLOY_DIR}/packaging/prerm ${SIPSTEER_DEPLOY_DIR}/packaging/postrm)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
include(CPack)
