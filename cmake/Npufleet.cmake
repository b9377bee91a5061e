# Helpers that give every npufleet module and test the same flags.
#
#   npufleet_module(<name> SOURCES ... DEPS ...)  -> static library npufleet_<name>
#   npufleet_test(<name> SOURCES ... DEPS ... [LABELS ...]) -> gtest executable, registered with ctest

# -Wno-mismatched-new-delete: GCC 12 reports a false positive on every Asio coroutine frame
# (awaitable_frame_base's class-specific operator new/delete pair).
set(NPUFLEET_WARNINGS -Wall -Wextra -Werror -Wno-missing-field-initializers -Wno-mismatched-new-delete)

function(npufleet_flags target)
  target_compile_options(${target} PRIVATE ${NPUFLEET_WARNINGS})
  target_include_directories(${target} PUBLIC ${PROJECT_SOURCE_DIR}/src)
  if(NPUFLEET_SANITIZE)
    target_compile_options(${target} PUBLIC -fsanitize=address,undefined -fno-omit-frame-pointer
                                            -fno-sanitize-recover=undefined)
    target_link_options(${target} PUBLIC -fsanitize=address,undefined)
  endif()
  if(NPUFLEET_TSAN)
    target_compile_options(${target} PUBLIC -fsanitize=thread -fno-omit-frame-pointer
                                              -Wno-tsan)
    target_link_options(${target} PUBLIC -fsanitize=thread)
  endif()
endfunction()

function(npufleet_module name)
  cmake_parse_arguments(M "" "" "SOURCES;DEPS" ${ARGN})
  add_library(npufleet_${name} STATIC ${M_SOURCES})
  npufleet_flags(npufleet_${name})
  target_link_libraries(npufleet_${name} PUBLIC ${M_DEPS})
endfunction()

function(npufleet_test name)
  cmake_parse_arguments(T "" "" "SOURCES;DEPS;LABELS" ${ARGN})
  add_executable(${name} ${T_SOURCES})
  npufleet_flags(${name})
  target_include_directories(${name} PRIVATE ${PROJECT_SOURCE_DIR}/tests)
  target_link_libraries(${name} PRIVATE ${T_DEPS} GTest::gtest GTest::gmock GTest::gtest_main)
  target_compile_definitions(${name} PRIVATE
    NPUFLEET_SOURCE_DIR="${PROJECT_SOURCE_DIR}"
    NPUFLEET_BINARY="$<TARGET_FILE:npufleet>")
  if(NOT T_LABELS)
    set(T_LABELS unit)
  endif()
  if("integration" IN_LIST T_LABELS)
    add_dependencies(${name} npufleet)
  endif()
  add_test(NAME ${name} COMMAND ${name})
  set_tests_properties(${name} PROPERTIES LABELS "${T_LABELS}" TIMEOUT 600)
endfunction()
