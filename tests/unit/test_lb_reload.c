/* SPDX-License-Identifier: BSD-3-Clause */
/* lib/lb/lb_reload.c: the difference a reload applies, indices stable. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dsrlb/lb_reload.h"

static void
vip(struct lb_config *c, const char *name, const char *addr,
    const char *const *be, const uint16_t *w, unsigned int n)
{
	struct lb_vip_conf *v = &c->vip[c->n_vips++];

	memset(v, 0, sizeof(*v));
	snprintf(v->name, sizeof(v->name), "%s", name);
	assert_int_equal(lb_addr_parse(addr, &v->addr), 0);
	v->port = 80;
	v->proto = 6;
	v->policy = LB_POLICY_MAGLEV;
	for (unsigned int i = 0; i < n; i++) {
		char a[32];

		snprintf(v->backend[i].name, sizeof(v->backend[i].name), "%s",
			 be[i]);
		snprintf(a, sizeof(a), "10.0.0.%u", 10 + be[i][1] - '0');
		assert_int_equal(lb_addr_parse(a, &v->backend[i].addr), 0);
		v->backend[i].weight = w[i];
	}
	v->n_backends = n;
}

static void
base(struct lb_config *c)
{
	static const char *const be[] = { "s1", "s2" };
	static const uint16_t w[] = { 1, 1 };

	memset(c, 0, sizeof(*c));
	lb_config_defaults(c);
	c->vip = calloc(LB_MAX_VIPS, sizeof(*c->vip));
	assert_non_null(c->vip);
	vip(c, "mg", "10.0.0.100", be, w, 2);
	vip(c, "old", "10.0.0.102", be, w, 1);
}

static void
test_no_change(void **state)
{
	struct lb_config run, file, next;
	struct lb_reload_diff d;
	char err[256];

	(void)state;
	base(&run);
	base(&file);
	assert_int_equal(lb_reload_merge(&next, &run, &file, &d, err,
					 sizeof(err)), 0);
	lb_config_free(&run);
	lb_config_free(&file);
}

static void
test_difference(void **state)
{
	static const char *const be[] = { "s1", "s3" };
	static const uint16_t w[] = { 3, 1 };
	struct lb_config run, file, next;
	struct lb_reload_diff d;
	char err[256];

	(void)state;
	base(&run);
	memset(&file, 0, sizeof(file));
	lb_config_defaults(&file);
	file.vip = calloc(LB_MAX_VIPS, sizeof(*file.vip));
	vip(&file, "new", "10.0.0.103", be, w, 1);
	vip(&file, "mg", "10.0.0.100", be, w, 2);   /* s2 gone, s3 new */
	assert_int_equal(lb_reload_merge(&next, &run, &file, &d, err,
					 sizeof(err)), 1);
	/* slots kept: mg 0, old 1 (removed), new appended as 2 */
	assert_int_equal(next.n_vips, 3);
	assert_string_equal(next.vip[0].name, "mg");
	assert_false(next.vip[0].removed);
	assert_true(next.vip[1].removed);
	assert_string_equal(next.vip[2].name, "new");
	/* mg: s1 keeps slot 0 with weight 3, s2 removed in slot 1, s3 in 2 */
	assert_int_equal(next.vip[0].n_backends, 3);
	assert_int_equal(next.vip[0].backend[0].weight, 3);
	assert_false(next.vip[0].backend[0].removed);
	assert_true(next.vip[0].backend[1].removed);
	assert_string_equal(next.vip[0].backend[2].name, "s3");
	assert_int_equal(d.vip_added, 1);
	assert_int_equal(d.vip_removed, 1);
	assert_int_equal(d.vip_changed, 1);
	assert_int_equal(d.be_added, 1);
	assert_int_equal(d.be_removed, 1);
	assert_int_equal(d.be_changed, 1);
	/* the running configuration is untouched */
	assert_int_equal(run.n_vips, 2);
	assert_false(run.vip[1].removed);
	assert_int_equal(run.vip[0].n_backends, 2);
	lb_config_free(&next);
	lb_config_free(&run);
	lb_config_free(&file);
}

static void
test_identity_and_fixed(void **state)
{
	struct lb_config run, file, next;
	struct lb_reload_diff d;
	char err[256];

	(void)state;
	base(&run);
	base(&file);
	/* another policy: the VIP is removed and added anew */
	file.vip[0].policy = LB_POLICY_RR;
	assert_int_equal(lb_reload_merge(&next, &run, &file, &d, err,
					 sizeof(err)), 1);
	assert_int_equal(next.n_vips, 3);
	assert_true(next.vip[0].removed);
	assert_int_equal(next.vip[2].policy, LB_POLICY_RR);
	lb_config_free(&next);
	/* a [general] change needs a restart */
	file.vip[0].policy = LB_POLICY_MAGLEV;
	file.flow_capacity++;
	assert_int_equal(lb_reload_merge(&next, &run, &file, &d, err,
					 sizeof(err)), -1);
	assert_non_null(strstr(err, "[general] changed, which needs a "
				    "restart"));
	lb_config_free(&run);
	lb_config_free(&file);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_no_change),
		cmocka_unit_test(test_difference),
		cmocka_unit_test(test_identity_and_fixed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
