// Argument helpers shared by the addon's bindings (addon.cc, pointwise.cc).
#pragma once
#include <node_api.h>

#include <cstddef>
#include <cstdint>

namespace atrous {

// Throws a JS Error with code ATROUS_NATIVE; returns nullptr for `return fail(...)`.
inline napi_value fail(napi_env env, const char* msg) {
  napi_throw_error(env, "ATROUS_NATIVE", msg);
  return nullptr;
}

// A typed array's data and element count, or false if `v` is not a typed array of type `want`.
template <typename T>
bool typed(napi_env env, napi_value v, napi_typedarray_type want, T** data, size_t* len) {
  bool is = false;
  if (napi_is_typedarray(env, v, &is) != napi_ok || !is) return false;
  napi_typedarray_type type;
  void* ptr = nullptr;
  if (napi_get_typedarray_info(env, v, &type, len, &ptr, nullptr, nullptr) != napi_ok || type != want) return false;
  *data = static_cast<T*>(ptr);
  return true;
}

// A thread count argument: an integer in 1..256 (the most the kernels take); false otherwise.
inline bool thread_count(napi_env env, napi_value v, int32_t* out) {
  return napi_get_value_int32(env, v, out) == napi_ok && *out >= 1 && *out <= 256;
}

}  // namespace atrous
