// SPDX-License-Identifier: GPL-2.0
/*
 * The docroot and the lookup beneath it. vfs_path_lookup() with
 * LOOKUP_BENEATH refuses any escape, by ".." or by a symlink (-EXDEV); the
 * kernel thread runs as root, so kHTTPd's mode rules stand in for the
 * permission check: a regular file, world-readable, not executable by
 * default (sysctls perm_required and perm_forbid).
 */
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/namei.h>
#include <linux/path.h>
#include <linux/cred.h>
#include "compat.h"
#include "khttpd.h"
#include "rules.h"

#define KHTTPD_LOOKUP_FLAGS	(LOOKUP_FOLLOW | LOOKUP_BENEATH | \
				 LOOKUP_NO_MAGICLINKS)

static struct path khttpd_root;	/* under khttpd_cfg_lock */

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

/**
 * khttpd_file_open() - Open the file a request names, beneath the docroot.
 * @thr: the thread, whose refusals are counted
 * @path: the normalised path, NUL-terminated
 * @len: its length
 * @filp: the opened file, when 0 is returned
 * @index: set when a directory's index.html was opened
 *
 * Return: 0 with *@filp open, KHTTPD_FILE_HANDOFF for an executable file
 * that the `dynamic` rule +x gives to userspace, or the status to answer:
 * 301 (a directory named without its slash), 403 or 404.
 */
int khttpd_file_open(struct khttpd_thread *thr, char *path, size_t len,
		     struct file **filp, bool *index)
{
	struct path root, found, dir;
	struct file *file;
	bool handoff;
	umode_t mode;
	int err;

	*index = false;
	read_lock(&khttpd_cfg_lock);
	root = khttpd_root;
	path_get(&root);
	read_unlock(&khttpd_cfg_lock);

	err = vfs_path_lookup(root.dentry, root.mnt,
			      khttpd_path_lookup_name(path, len),
			      KHTTPD_LOOKUP_FLAGS, &found);
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
				      KHTTPD_LOOKUP_FLAGS, &found);
		path_put(&dir);
		if (err == -ENOENT)
			return 403;	/* no index, no listing */
		if (err)
			goto refused;
		*index = true;
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
		thr->stats.refused_paths++;
		return 403;
	}
	file = dentry_open(&found, O_RDONLY | O_LARGEFILE, current_cred());
	path_put(&found);
	if (IS_ERR(file))
		return 403;
	*filp = file;
	return 0;

refused:
	err = khttpd_lookup_status(err);
	if (err == 403)
		thr->stats.refused_paths++;
	return err;
}
