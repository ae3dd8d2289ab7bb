/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Every difference between the kernels khttpd builds for (Debian's 6.1 and
 * 6.12) lives here. The version tests themselves are in kmod/Kbuild, which
 * turns the kernel's VERSION and PATCHLEVEL into KHTTPD_KERNEL_* feature
 * macros, so that no C file compares version numbers.
 */
#ifndef KHTTPD_COMPAT_H
#define KHTTPD_COMPAT_H

#include <linux/fs.h>
#include <linux/namei.h>
#include <linux/net.h>
#include <linux/pagemap.h>
#include <linux/socket.h>
#include <linux/sysctl.h>
#include <linux/uio.h>
#include <linux/bvec.h>

/*
 * Zero-copy send of page-cache pages, bv[0..n) holding len bytes in all.
 * 6.1 has sendpage, one page per call; from 6.5 sendpage is gone and
 * MSG_SPLICE_PAGES over a bvec iterator sends them all at once. Debian's
 * 6.1 headers define MSG_SPLICE_PAGES although its TCP ignores it (and
 * copies), hence the version test rather than #ifdef. Returns the bytes
 * sent (maybe fewer than len) or a negative error.
 */
#ifdef KHTTPD_KERNEL_6_5	/* MSG_SPLICE_PAGES */
static inline int khttpd_sendpages(struct socket *sock, struct bio_vec *bv,
				   int n, size_t len, int flags)
{
	struct msghdr msg = { .msg_flags = flags | MSG_SPLICE_PAGES };

	iov_iter_bvec(&msg.msg_iter, ITER_SOURCE, bv, n, len);
	return sock_sendmsg(sock, &msg);
}
#else
static inline int khttpd_sendpages(struct socket *sock, struct bio_vec *bv,
				   int n, size_t len, int flags)
{
	int i, ret, sent = 0;

	for (i = 0; i < n; i++) {
		ret = kernel_sendpage(sock, bv[i].bv_page, bv[i].bv_offset,
				      bv[i].bv_len,
				      i + 1 < n ? flags | MSG_MORE : flags);
		if (ret <= 0)
			return sent ? sent : ret;
		sent += ret;
		if (ret < bv[i].bv_len)
			break;
	}
	return sent;
}
#endif

/* A page-cache probe that never reads: NULL on a miss in every version. */
static inline struct folio *khttpd_folio_probe(struct address_space *mapping,
					       pgoff_t index)
{
	struct folio *folio = filemap_get_folio(mapping, index);

#ifdef KHTTPD_KERNEL_6_3	/* filemap_get_folio() -> ERR_PTR */
	if (IS_ERR(folio))
		return NULL;
#endif
	return folio;
}

static inline time64_t khttpd_inode_mtime(const struct inode *inode)
{
#ifdef KHTTPD_KERNEL_6_7	/* inode time accessors */
	return inode_get_mtime_sec(inode);
#else
	return inode->i_mtime.tv_sec;
#endif
}

/* Exported by 6.1 but missing from its <linux/namei.h>. */
#ifndef KHTTPD_KERNEL_6_2	/* vfs_path_lookup() in namei.h */
int vfs_path_lookup(struct dentry *dentry, struct vfsmount *mnt,
		    const char *name, unsigned int flags, struct path *path);
#endif

/*
 * sysctl: handlers take a const table from 6.11. Tables end with an empty
 * sentinel that 6.1 needs to find the end; from 6.6 the size is passed
 * instead, and 6.11 rejects a sentinel it is told about.
 */
#ifdef KHTTPD_KERNEL_6_11	/* const ctl_table */
#define KHTTPD_CTL_CONST const
#else
#define KHTTPD_CTL_CONST
#endif

static inline struct ctl_table_header *
khttpd_register_sysctl(const char *path, struct ctl_table *table, size_t n)
{
#ifdef KHTTPD_KERNEL_6_6	/* register_sysctl_sz() */
	return register_sysctl_sz(path, table, n);
#else
	return register_sysctl(path, table);
#endif
}

#endif /* KHTTPD_COMPAT_H */
