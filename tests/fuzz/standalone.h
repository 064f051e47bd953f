/* standalone.h — main() for the fuzz targets when built without libFuzzer (-DFUZZ_STANDALONE):
 * AFL++ (@@) and plain replay of a saved input, one input per FILE argument. Included by each
 * target after its LLVMFuzzerTestOneInput. */
#ifndef LOGLENS_FUZZ_STANDALONE_H
#define LOGLENS_FUZZ_STANDALONE_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: %s FILE...\n", argv[0]);
		return 2;
	}
	for (int i = 1; i < argc; i++) {
		FILE *f = fopen(argv[i], "rb");
		if (!f) {
			perror(argv[i]);
			return 2;
		}
		size_t cap = 1 << 16, n = 0, r;
		uint8_t *buf = malloc(cap);
		while (buf && (r = fread(buf + n, 1, cap - n, f)) > 0) {
			n += r;
			if (n == cap) {
				uint8_t *nb = realloc(buf, cap * 2);
				if (!nb)
					free(buf);
				buf = nb;
				cap *= 2;
			}
		}
		fclose(f);
		if (!buf) {
			fprintf(stderr, "%s: out of memory\n", argv[i]);
			return 2;
		}
		LLVMFuzzerTestOneInput(buf, n);
		free(buf);
	}
	return 0;
}

#endif
