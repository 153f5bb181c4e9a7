/* Test helper for the lifecycle sources (built into build/test/, never shipped).
 *   lctool xxh64 STRING    XXH64 hex of STRING, as the builder names directories
 *   lctool md5 STRING      MD5 hex (legacy Cloud Foundry names)
 *   lctool yaml2json       parses YAML from stdin, prints it as JSON (keys in order)
 *   lctool jsonstr         prints stdin as a Go-escaped JSON string */
#include <stdio.h>
#include <string.h>

#include "../src/hash.h"
#include "../src/json.h"
#include "../src/util.h"
#include "../src/yaml.h"

int main(int argc, char **argv) {
    prog_name = "lctool";
    if (argc == 3 && !strcmp(argv[1], "xxh64")) {
        char h[17];
        xxh64_hex(argv[2], h);
        puts(h);
        return 0;
    }
    if (argc == 3 && !strcmp(argv[1], "md5")) {
        char h[33];
        md5_hex(argv[2], h);
        puts(h);
        return 0;
    }
    if (argc == 2 && (!strcmp(argv[1], "yaml2json") || !strcmp(argv[1], "jsonstr"))) {
        strbuf in = {0}, out = {0};
        if (!read_file("/dev/stdin", &in)) die(1, "cannot read stdin");
        if (!strcmp(argv[1], "jsonstr")) {
            json_str(&out, in.s);
        } else {
            char *err;
            ynode *doc = yaml_parse(in.s, &err);
            if (!doc) {
                fprintf(stderr, "%s\n", err);
                return 1;
            }
            json_node(&out, doc, false);
        }
        puts(out.s);
        return 0;
    }
    fprintf(stderr, "usage: lctool xxh64|md5 STRING | lctool yaml2json|jsonstr < input\n");
    return 2;
}
