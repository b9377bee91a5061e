# llama.cpp for the worker's GGUF engine (NPUFLEET_LLAMA, on by default). A system llama.cpp
# (pkg-config llama) is used when there is one; otherwise the prebuilt CPU libraries and the git
# bundle that scripts/fetch-llama.sh put in .deps/ (Debian bookworm has no llama.cpp package).
# The headers, and the tokenizer vocabularies with their test vectors, are extracted from the
# bundle into the build tree here; nothing of llama.cpp is committed.
#
# Defines the interface target npufleet_llama and, for the code:
#   NPUFLEET_LLAMA_BACKEND_DIR  where ggml's CPU backends (libggml-cpu-*.so) are loaded from
#   NPUFLEET_LLAMA_VOCAB_DIR    llama.cpp's models/ggml-vocab-*.gguf (+ .inp/.out), for samples
#                               and tests; empty with a system llama.cpp
option(NPUFLEET_LLAMA "Build the worker's llama.cpp engine for GGUF models" ON)
set(NPUFLEET_LLAMA_DIR "${PROJECT_SOURCE_DIR}/.deps/llama-3.21.1" CACHE PATH
    "Where scripts/fetch-llama.sh put llama.cpp's libraries and git bundle")

if(NOT NPUFLEET_LLAMA)
  return()
endif()

add_library(npufleet_llama INTERFACE)
find_package(PkgConfig QUIET)
if(PKG_CONFIG_FOUND)
  pkg_check_modules(SYSTEM_LLAMA QUIET IMPORTED_TARGET llama)
endif()

if(SYSTEM_LLAMA_FOUND)
  message(STATUS "llama.cpp: system package ${SYSTEM_LLAMA_VERSION}")
  target_link_libraries(npufleet_llama INTERFACE PkgConfig::SYSTEM_LLAMA)
  set(NPUFLEET_LLAMA_BACKEND_DIR "${SYSTEM_LLAMA_LIBDIR}")
  set(NPUFLEET_LLAMA_VOCAB_DIR "")
else()
  set(_lib ${NPUFLEET_LLAMA_DIR}/lib)
  if(NOT EXISTS ${NPUFLEET_LLAMA_DIR}/.complete)
    message(FATAL_ERROR "llama.cpp is not in ${NPUFLEET_LLAMA_DIR}: run scripts/fetch-llama.sh "
                        "(make does), or configure with -DNPUFLEET_LLAMA=OFF")
  endif()
  find_program(GIT_EXECUTABLE git REQUIRED)
  set(_src ${CMAKE_BINARY_DIR}/_deps/llama.cpp)
  set(_stamp ${_src}/.extracted)
  if(NOT EXISTS ${_stamp} OR ${NPUFLEET_LLAMA_DIR}/.complete IS_NEWER_THAN ${_stamp})
    message(STATUS "llama.cpp: extracting headers and vocabularies from the bundle")
    file(REMOVE_RECURSE ${_src})
    execute_process(
      COMMAND ${GIT_EXECUTABLE} clone --quiet --no-checkout ${NPUFLEET_LLAMA_DIR}/gitRelease.bundle
              ${_src}
      RESULT_VARIABLE _rc ERROR_VARIABLE _err)
    if(NOT _rc EQUAL 0)
      message(FATAL_ERROR "llama.cpp: cannot read the bundle: ${_err}")
    endif()
    # Only what the build and the tests read: headers, vocabularies and their test vectors.
    execute_process(
      COMMAND ${GIT_EXECUTABLE} -C ${_src} -c advice.detachedHead=false checkout --quiet HEAD --
              include ggml/include models/ggml-vocab-llama-spm.gguf
              models/ggml-vocab-llama-spm.gguf.inp models/ggml-vocab-llama-spm.gguf.out
              models/ggml-vocab-bert-bge.gguf models/ggml-vocab-bert-bge.gguf.inp
              models/ggml-vocab-bert-bge.gguf.out models/ggml-vocab-phi-3.gguf
              models/ggml-vocab-phi-3.gguf.inp models/ggml-vocab-phi-3.gguf.out
      RESULT_VARIABLE _rc ERROR_VARIABLE _err)
    if(NOT _rc EQUAL 0)
      message(FATAL_ERROR "llama.cpp: cannot extract from the bundle: ${_err}")
    endif()
    file(REMOVE_RECURSE ${_src}/.git)
    file(TOUCH ${_stamp})
  endif()
  foreach(name llama ggml ggml_base)
    string(REPLACE "_" "-" _file ${name})
    file(GLOB _so ${_lib}/lib${_file}.so ${_lib}/lib${_file}.v*.so)
    if(NOT _so)
      message(FATAL_ERROR "llama.cpp: lib${_file} is missing from ${_lib}")
    endif()
    list(GET _so 0 _so)
    add_library(llama_${name} SHARED IMPORTED)
    set_target_properties(llama_${name} PROPERTIES IMPORTED_LOCATION ${_so} IMPORTED_NO_SONAME OFF)
    target_link_libraries(npufleet_llama INTERFACE llama_${name})
  endforeach()
  target_include_directories(npufleet_llama SYSTEM INTERFACE ${_src}/include ${_src}/ggml/include)
  # The libraries stay where fetch-llama.sh put them; binaries find them through their rpath.
  target_link_options(npufleet_llama INTERFACE "LINKER:-rpath,${_lib}")
  set(NPUFLEET_LLAMA_BACKEND_DIR "${_lib}")
  set(NPUFLEET_LLAMA_VOCAB_DIR "${_src}/models")
  message(STATUS "llama.cpp: prebuilt libraries in ${_lib}")
endif()
target_compile_definitions(npufleet_llama INTERFACE
  NPUFLEET_HAS_LLAMA=1
  NPUFLEET_LLAMA_BACKEND_DIR="${NPUFLEET_LLAMA_BACKEND_DIR}"
  NPUFLEET_LLAMA_VOCAB_DIR="${NPUFLEET_LLAMA_VOCAB_DIR}")
