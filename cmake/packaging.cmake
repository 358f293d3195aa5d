# Installing chatd (`cmake --install`) and packaging it (`cpack -G DEB`, from the build dir):
# the two programs, the systemd unit, the config file and the docs. Tests, benchmarks and fuzzers
# have no install rules, so neither an install nor the package holds them.
include(GNUInstallDirs)

set(CHATD_PACKAGE_MAINTAINER "chatd maintainers <chatd@example.org>"
  CACHE STRING "The Maintainer field of the .deb: who builds and answers for this package")

install(TARGETS chatd chat RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})

file(GLOB chatd_docs CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/docs/*.md)
install(FILES ${PROJECT_SOURCE_DIR}/README.md ${chatd_docs}
  ${PROJECT_SOURCE_DIR}/docs/chatd.conf.example
  DESTINATION ${CMAKE_INSTALL_DOCDIR})
# Debian's place for the licence (machine-readable, pointing at common-licenses/Apache-2.0).
install(FILES ${PROJECT_SOURCE_DIR}/packaging/debian/copyright DESTINATION ${CMAKE_INSTALL_DOCDIR})

# The config file and the unit depend on the prefix, which `cmake --install --prefix` (and
# CPack, with /usr) chooses only at install time: both are placed by code that runs then.
# - chatd.conf goes to GNU's sysconfdir for that prefix, the rule GNUInstallDirs applies to
#   CMAKE_INSTALL_FULL_SYSCONFDIR: /etc for /usr (so the package's conffile is
#   /etc/chatd/chatd.conf), /etc/opt/X for /opt/X, PREFIX/etc otherwise. An existing file is
#   an operator's and is kept; the pristine example is in the docs either way.
# - The unit names /usr/bin/chatd, /etc/chatd/chatd.conf and /usr/share/doc/chatd: those are
#   rewritten to where this install puts them (a no-op for the package).
install(CODE "
  set(chatd_source_dir [[${PROJECT_SOURCE_DIR}]])
  set(chatd_unit_render [[${PROJECT_BINARY_DIR}/packaging/chatd.service]])
  set(chatd_bindir [[${CMAKE_INSTALL_BINDIR}]])
  set(chatd_sysconfdir [[${CMAKE_INSTALL_SYSCONFDIR}]])
  set(chatd_docdir [[${CMAKE_INSTALL_DOCDIR}]])
")
install(CODE [[
  function(chatd_full_dir dir out)
    if(IS_ABSOLUTE "${dir}")
      set(${out} "${dir}" PARENT_SCOPE)
    else()
      set(${out} "${CMAKE_INSTALL_PREFIX}/${dir}" PARENT_SCOPE)
    endif()
  endfunction()

  if(IS_ABSOLUTE "${chatd_sysconfdir}")
    set(chatd_etc "${chatd_sysconfdir}")
  elseif(CMAKE_INSTALL_PREFIX MATCHES "^/(usr/?)?$")
    set(chatd_etc /etc)
  elseif(CMAKE_INSTALL_PREFIX MATCHES "^/opt/")
    set(chatd_etc "/etc${CMAKE_INSTALL_PREFIX}")
  else()
    set(chatd_etc "${CMAKE_INSTALL_PREFIX}/${chatd_sysconfdir}")
  endif()
  set(chatd_conf "${chatd_etc}/chatd/chatd.conf")
  if(EXISTS "$ENV{DESTDIR}${chatd_conf}")
    message(STATUS "Keeping: $ENV{DESTDIR}${chatd_conf}")
  else()
    file(INSTALL DESTINATION "${chatd_etc}/chatd" TYPE FILE RENAME chatd.conf
      FILES "${chatd_source_dir}/docs/chatd.conf.example")
  endif()

  chatd_full_dir("${chatd_bindir}" chatd_full_bindir)
  chatd_full_dir("${chatd_docdir}" chatd_full_docdir)
  file(READ "${chatd_source_dir}/packaging/chatd.service" chatd_unit)
  string(REPLACE /usr/bin/chatd "${chatd_full_bindir}/chatd" chatd_unit "${chatd_unit}")
  string(REPLACE /etc/chatd/chatd.conf "${chatd_conf}" chatd_unit "${chatd_unit}")
  string(REPLACE /usr/share/doc/chatd "${chatd_full_docdir}" chatd_unit "${chatd_unit}")
  file(WRITE "${chatd_unit_render}" "${chatd_unit}")
  file(INSTALL DESTINATION "${CMAKE_INSTALL_PREFIX}/lib/systemd/system" TYPE FILE
    FILES "${chatd_unit_render}")
]])

# The .deb: chatd_VERSION_ARCH.deb, VERSION from project(). Depends is what dpkg-shlibdeps finds
# the programs link (libc, libstdc++, libgcc, Boost.Program_options) plus adduser for the postinst.
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME chatd)
# SPDX-License-Identifier: Apache-2.0 (LICENSE; the .deb carries packaging/debian/copyright)
set(CPACK_RESOURCE_FILE_LICENSE ${PROJECT_SOURCE_DIR}/LICENSE)
set(CPACK_PACKAGE_CONTACT "${CHATD_PACKAGE_MAINTAINER}")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "line-based chat server")
# Debian's extended description: lines under 80 columns, which CPack indents.
set(CPACK_PACKAGE_DESCRIPTION "chatd relays every line a client sends over TCP to everyone in its
room, in one order. Flood control delays lines instead of dropping them,
and a reader that falls too far behind is disconnected instead of slowing
the room down. Any line client (nc, telnet) can chat, and so can a
browser (the built-in page) and IRC clients (irssi, WeeChat, HexChat);
every door also speaks TLS.

The package holds chatd, the chat console client, and a hardened systemd
unit that runs chatd as the unprivileged user chatd with the settings in
/etc/chatd/chatd.conf.")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS adduser)
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
  ${PROJECT_SOURCE_DIR}/packaging/debian/conffiles
  ${PROJECT_SOURCE_DIR}/packaging/debian/postinst
  ${PROJECT_SOURCE_DIR}/packaging/debian/prerm
  ${PROJECT_SOURCE_DIR}/packaging/debian/postrm)
# 0755 for the maintainer scripts and 0644 for conffiles, whatever the checkout's modes.
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
include(CPack)
