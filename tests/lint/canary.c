/*
 * canary.c - a fault cppcheck must report, checked by `make lint` with the
 * flags it checks the tree with before it checks the tree: flags that
 * silently turn cppcheck's analysis off (as a function-like -D did) fail
 * here instead of passing everything.
 */
#include <jansson.h>

int canary(json_t *list);

int
canary(json_t *list)
{
    char a[2];
    size_t i;
    json_t *v;

    json_array_foreach(list, i, v) a[i] = 0;
    a[5] = 1; /* out of bounds: cppcheck's arrayIndexOutOfBounds */
    return a[0];
}
