// SPDX-License-Identifier: GPL-2.0
/*
 * The docroot and the lookup beneath it. vfs_path_lookup() with
 * LOOKUP_BENEATH refuses any escape, by ".." or by a symlink (-EXDEV).
 * The lookup and the open run under an unprivileged credential (fsuid and
 * fsgid, no capabilities) rather than the kernel thread's root one, so the
 * permissions of every directory and file, ACLs and LSM labels apply as
 * to any unprivileged web server; kHTTPd's mode rules come on top: a
 * regular file, world-readable, not executable by default (sysctls
 * perm_required and perm_forbid), and no hidden name (khttp_path_hidden()).
 */
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/namei.h>
#include <linux/path.h>
#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/sched/task.h>
#include <linux/uidgid.h>
#include "compat.h"
#include "khttpd.h"
#include "rules.h"

#define KHTTPD_LOOKUP_FLAGS	(LOOKUP_FOLLOW | LOOKUP_BENEATH | \
				 LOOKUP_NO_MAGICLINKS)

static struct path khttpd_root;	/* under khttpd_cfg_lock */
static const struct cred *khttpd_fs_cred;	/* set once, at load */

/**
 * khttpd_fs_cred_init() - Make the credential files are opened with.
 * @uid: its user id (all of real, effective, saved and fs)
 * @gid: its group id, likewise; no supplementary groups
 *
 * Derived from the kernel's credential with every capability dropped.
 *
 * Return: 0, -EINVAL when @uid or @gid has no kernel id, or -ENOMEM.
 */
int khttpd_fs_cred_init(unsigned int uid, unsigned int gid)
{
	kuid_t kuid = make_kuid(&init_user_ns, uid);
	kgid_t kgid = make_kgid(&init_user_ns, gid);
	struct cred *cred;

	if (!uid_valid(kuid) || !gid_valid(kgid))
		return -EINVAL;
	cred = prepare_kernel_cred(&init_task);
	if (!cred)
		return -ENOMEM;
	cred->uid = kuid;
	cred->euid = kuid;
	cred->suid = kuid;
	cred->fsuid = kuid;
	cred->gid = kgid;
	cred->egid = kgid;
	cred->sgid = kgid;
	cred->fsgid = kgid;
	cap_clear(cred->cap_inheritable);
	cap_clear(cred->cap_permitted);
	cap_clear(cred->cap_effective);
	cap_clear(cred->cap_bset);
	cap_clear(cred->cap_ambient);
	khttpd_fs_cred = cred;
	return 0;
}

/**
 * khttpd_fs_cred_release() - Drop the credential of khttpd_fs_cred_init().
 */
void khttpd_fs_cred_release(void)
{
	put_cred(khttpd_fs_cred);
	khttpd_fs_cred = NULL;
}

/**
 * khttpd_docroot_set() - Serve a new docroot.
 * @dir: the absolute path of a directory; may be khttpd_cfg.docroot itself
 *
 * Requests already being served keep the docroot they looked up in.
 *
 * Return: 0, or the error of looking @dir up (nothing changes then).
 */
int khttpd_docroot_set(const char *dir)
{
	struct path path, old;
	int err;

	err = kern_path(dir, LOOKUP_FOLLOW | LOOKUP_DIRECTORY, &path);
	if (err)
		return err;
	write_lock(&khttpd_cfg_lock);
	old = khttpd_root;
	khttpd_root = path;
	if (dir != khttpd_cfg.docroot)
		strscpy(khttpd_cfg.docroot, dir, sizeof(khttpd_cfg.docroot));
	write_unlock(&khttpd_cfg_lock);
	if (old.dentry)
		path_put(&old);
	return 0;
}

/**
 * khttpd_docroot_release() - Drop the reference to the docroot.
 *
 * At unload, or when insmod fails after khttpd_docroot_set().
 */
void khttpd_docroot_release(void)
{
	path_put(&khttpd_root);
	khttpd_root.dentry = NULL;
	khttpd_root.mnt = NULL;
}

static int khttpd_lookup_status(int err)
{
	switch (err) {
	case -ENOENT:
	case -ENOTDIR:
	case -ENAMETOOLONG:
		return 404;
	default:	/* -EXDEV (an escape), -ELOOP, -EACCES, ... */
		return 403;
	}
}

/* khttpd_file_open() under the unprivileged credential. */
static int khttpd_file_lookup_open(char *path, size_t len, bool nowait,
				   struct khttpd_found *f)
{
	unsigned int lookup = KHTTPD_LOOKUP_FLAGS;
	int oflags = O_RDONLY | O_LARGEFILE;
	struct path root, found, dir;
	struct file *file;
	bool handoff;
	umode_t mode;
	int err;

	if (khttp_path_hidden(path, len))
		return 404;	/* dotfiles are never served, as by the daemon */
	if (nowait) {
		/* -EAGAIN where only a sleep could go on */
		lookup |= LOOKUP_CACHED;
		/* break_lease() starts a break, then -EWOULDBLOCK */
		oflags |= O_NONBLOCK;
	}
	read_lock(&khttpd_cfg_lock);
	root = khttpd_root;
	path_get(&root);
	read_unlock(&khttpd_cfg_lock);

	err = vfs_path_lookup(root.dentry, root.mnt,
			      khttpd_path_lookup_name(path, len), lookup,
			      &found);
	path_put(&root);
	if (err)
		goto refused;
	if (d_is_dir(found.dentry)) {
		if (!khttpd_path_is_dir_form(path, len)) {
			path_put(&found);
			return 301;
		}
		dir = found;
		err = vfs_path_lookup(dir.dentry, dir.mnt, "index.html",
				      lookup, &found);
		path_put(&dir);
		if (err == -ENOENT)
			return 403;	/* no index, no listing */
		if (err)
			goto refused;
		f->index = true;
	}
	mode = d_inode(found.dentry)->i_mode;
	read_lock(&khttpd_cfg_lock);
	handoff = khttpd_rules_exec(khttpd_cfg.dynamic, mode);
	read_unlock(&khttpd_cfg_lock);
	if (handoff) {
		path_put(&found);
		return KHTTPD_FILE_HANDOFF;
	}
	if (!khttpd_mode_servable(mode, READ_ONCE(khttpd_cfg.perm_required),
				  READ_ONCE(khttpd_cfg.perm_forbid))) {
		path_put(&found);
		f->refused = true;
		return 403;
	}
	file = dentry_open(&found, oflags, current_cred());
	path_put(&found);
	if (nowait && file == ERR_PTR(-EWOULDBLOCK))
		return KHTTPD_FILE_BLOCKS;	/* a lease is being broken */
	if (IS_ERR(file))
		return 403;
	/*
	 * Content is read with kernel_read() and vfs_iocb_iter_read(), which
	 * take ->read_iter only (kernel_read() refuses a file that also has
	 * ->read). Such a file (procfs's PCI config space under a mount
	 * beneath the docroot: LOOKUP_BENEATH stops escapes, not mounts) is
	 * refused before a 200 promises bytes that cannot be read.
	 */
	if (!file->f_op->read_iter || file->f_op->read) {
		fput(file);
		f->refused = true;
		return 403;
	}
	if (nowait) {
		/* O_NONBLOCK was for the lease: the file reads as any other */
		spin_lock(&file->f_lock);
		file->f_flags &= ~O_NONBLOCK;
		spin_unlock(&file->f_lock);
	}
	f->file = file;
	return 0;

refused:
	if (nowait && err == -EAGAIN)
		return KHTTPD_FILE_BLOCKS;	/* not all in the dcache */
	err = khttpd_lookup_status(err);
	if (err == 403)
		f->refused = true;
	return err;
}

/**
 * khttpd_file_open() - Open the file a request names, beneath the docroot.
 * @path: the normalised path, NUL-terminated
 * @len: its length
 * @nowait: on the server thread: fail with KHTTPD_FILE_BLOCKS rather than
 *	sleep (a lookup beyond the dcache, a lease to break)
 * @f: what was found; f->file is open when 0 is returned
 *
 * Looks up and opens with the credential of khttpd_fs_cred_init(): what
 * it may not search or read is refused (403).
 *
 * Return: 0 with f->file open, KHTTPD_FILE_HANDOFF for an executable file
 * that the `dynamic` rule +x gives to userspace, KHTTPD_FILE_BLOCKS (only
 * with @nowait), or the status to answer: 301 (a directory named without
 * its slash), 403 or 404 (also for a hidden name: khttp_path_hidden()).
 */
int khttpd_file_open(char *path, size_t len, bool nowait,
		     struct khttpd_found *f)
{
	const struct cred *old = override_creds(khttpd_fs_cred);
	int ret;

	f->file = NULL;
	f->index = false;
	f->refused = false;
	ret = khttpd_file_lookup_open(path, len, nowait, f);
	revert_creds(old);
	return ret;
}
