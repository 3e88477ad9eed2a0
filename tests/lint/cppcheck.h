/*
 * cppcheck.h - jansson's iteration macros spelt out for cppcheck (make lint
 * passes this file with --include). cppcheck does not read system headers,
 * and a function-like macro cannot be given with -D: cppcheck takes such a
 * -D as a configuration of its own and then reports nothing at all.
 */
#define json_array_foreach(a, i, v)                                                                \
    for (i = 0; i < json_array_size(a) && (v = json_array_get(a, i)); i++)
#define json_object_foreach(o, k, v) for (k = 0, v = 0; k;)
