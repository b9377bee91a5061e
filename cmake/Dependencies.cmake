# Third-party dependencies, all Debian bookworm packages (scripts/install-deps.sh installs them).
# Their headers are included as SYSTEM so -Werror applies to our code only.
find_package(Threads REQUIRED)
find_package(Boost 1.81.0 EXACT REQUIRED COMPONENTS json url CONFIG)
find_package(OpenSSL 3 REQUIRED)
find_package(SQLite3 REQUIRED)
find_package(tomlplusplus REQUIRED)
find_package(CLI11 REQUIRED)
find_package(spdlog REQUIRED)
find_package(prometheus-cpp REQUIRED)
find_package(GTest REQUIRED)
if(NPUFLEET_BENCH)
  find_package(benchmark REQUIRED)
endif()

# OpenCV DNN: Debian's libopencv-dnn-dev ships no CMake config of its own.
find_path(OPENCV_INCLUDE_DIR opencv2/dnn.hpp PATH_SUFFIXES opencv4 REQUIRED)
find_library(OPENCV_DNN_LIB opencv_dnn REQUIRED)
find_library(OPENCV_CORE_LIB opencv_core REQUIRED)
add_library(npufleet_opencv INTERFACE)
target_include_directories(npufleet_opencv SYSTEM INTERFACE ${OPENCV_INCLUDE_DIR})
target_link_libraries(npufleet_opencv INTERFACE ${OPENCV_DNN_LIB} ${OPENCV_CORE_LIB})

# Boost headers (Asio/Beast) as SYSTEM, coroutine support, no deprecated interfaces. (Beast 1.81
# always uses boost::core::string_view, which converts to and from std::string_view; its old
# BOOST_BEAST_USE_STD_STRING_VIEW switch only printed a deprecation note and is not set.)
add_library(npufleet_boost INTERFACE)
target_include_directories(npufleet_boost SYSTEM INTERFACE ${Boost_INCLUDE_DIRS})
target_link_libraries(npufleet_boost INTERFACE Boost::json Boost::url Threads::Threads)
target_compile_definitions(npufleet_boost INTERFACE
  BOOST_ASIO_NO_DEPRECATED BOOST_ASIO_HAS_CO_AWAIT)
# Debug builds (the sanitizer presets) route BOOST_ASSERT through src/common/BoostAssert.cpp,
# which aborts on every failed assertion but one known to be wrong in Beast 1.81.
add_library(npufleet_boost_assert STATIC ${PROJECT_SOURCE_DIR}/src/common/BoostAssert.cpp)
target_include_directories(npufleet_boost_assert SYSTEM PRIVATE ${Boost_INCLUDE_DIRS})
target_compile_options(npufleet_boost_assert PRIVATE -Wall -Wextra -Werror)
target_compile_definitions(npufleet_boost INTERFACE $<$<CONFIG:Debug>:BOOST_ENABLE_ASSERT_HANDLER>)
target_link_libraries(npufleet_boost INTERFACE $<$<CONFIG:Debug>:npufleet_boost_assert>)
