# cityid_library(NAME <name> SRCS <files...> DEPS <targets...>)
#   Defines static library cityid_<name>; includes are rooted at src/.
function(cityid_library)
  cmake_parse_arguments(ARG "" "NAME" "SRCS;DEPS" ${ARGN})
  set(target cityid_${ARG_NAME})
  add_library(${target} STATIC ${ARG_SRCS})
  target_include_directories(${target} PUBLIC ${PROJECT_SOURCE_DIR}/src)
  target_link_libraries(${target} PUBLIC ${ARG_DEPS})
  if(CITYID_UNITY_BUILD)
    # Batches of 16 sources: two cores still get two batches of a large library to share.
    set_target_properties(${target} PROPERTIES UNITY_BUILD ON UNITY_BUILD_BATCH_SIZE 16)
  endif()
endfunction()

# cityid_test(NAME <name> SRCS <files...> DEPS <targets...> [PROPERTIES <ctest properties...>])
#   Defines a GoogleTest binary <name> registered with CTest; PROPERTIES are set on each of its
#   tests (e.g. RUN_SERIAL TRUE for a test that measures what another test's load would skew).
function(cityid_test)
  if(NOT CITYID_BUILD_TESTS)
    return()
  endif()
  cmake_parse_arguments(ARG "" "NAME" "SRCS;DEPS;PROPERTIES" ${ARGN})
  add_executable(${ARG_NAME} ${ARG_SRCS})
  target_include_directories(${ARG_NAME} PRIVATE ${PROJECT_SOURCE_DIR}/src)
  target_link_libraries(${ARG_NAME} PRIVATE ${ARG_DEPS} GTest::gtest GTest::gtest_main GTest::gmock)
  include(GoogleTest)
  # Tests find the repository (policies, examples) and the built binary through these; the
  # CITYID_SOURCE_DIR / CITYID_BINARY environment variables override them.
  target_compile_definitions(${ARG_NAME} PRIVATE
    CITYID_TEST_SOURCE_DIR="${PROJECT_SOURCE_DIR}"
    CITYID_TEST_BINARY="${CMAKE_BINARY_DIR}/bin/cityid")
  if(ARG_PROPERTIES)
    gtest_discover_tests(${ARG_NAME} DISCOVERY_TIMEOUT 60 PROPERTIES ${ARG_PROPERTIES})
  else()
    gtest_discover_tests(${ARG_NAME} DISCOVERY_TIMEOUT 60)
  endif()
endfunction()

# cityid_fuzzer(NAME <name> SRCS <files...> DEPS <targets...>)
function(cityid_fuzzer)
  cmake_parse_arguments(ARG "" "NAME" "SRCS;DEPS" ${ARGN})
  add_executable(${ARG_NAME} ${ARG_SRCS})
  target_include_directories(${ARG_NAME} PRIVATE ${PROJECT_SOURCE_DIR}/src)
  target_link_libraries(${ARG_NAME} PRIVATE ${ARG_DEPS})
  target_link_options(${ARG_NAME} PRIVATE -fsanitize=fuzzer)
endfunction()
