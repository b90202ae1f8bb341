;;; eglot_driver.el --- drive Emacs + eglot (batch) through the quick-fix workflow  -*- lexical-binding: t -*-

;; Usage: emacs --batch -l CONFIG.el -l eglot_driver.el FILE
;; CONFIG.el is the snippet of docs/editors.md. Opens FILE, waits for nanguard's diagnostics in
;; flymake, applies the "Clip argument with epsilon" quick fix, saves, waits for the diagnostic
;; to go away, and prints one JSON object on stdout.

(require 'cl-lib)
(require 'json)
(require 'flymake)
(require 'eglot)

(defconst nanguard-test-title "Clip argument with epsilon")
(defconst nanguard-test-timeout 60)
(defvar nanguard-test-result nil)

(defun nanguard-test-finish (problem)
  (when problem (push (cons 'problem problem) nanguard-test-result))
  (princ (json-encode nanguard-test-result))
  (terpri)
  (let ((server (ignore-errors (eglot-current-server))))
    (when server (ignore-errors (eglot-shutdown server))))
  (kill-emacs (if problem 1 0)))

(defun nanguard-test-wait (predicate)
  "Process events until PREDICATE holds, asking flymake for fresh diagnostics meanwhile."
  (let ((deadline (+ (float-time) nanguard-test-timeout)))
    (while (and (not (funcall predicate)) (< (float-time) deadline))
      (when (bound-and-true-p flymake-mode) (flymake-start))
      (accept-process-output nil 0.1))
    (funcall predicate)))

(defun nanguard-test-nanguard-diagnostics ()
  (cl-remove-if-not (lambda (d) (string-match-p "NG001" (flymake-diagnostic-text d)))
                    (flymake-diagnostics (point-min) (point-max))))

(condition-case failure
    (let ((file (pop command-line-args-left)))
      (find-file file)
      ;; eglot-ensure connects from post-command-hook, which batch mode never runs by itself.
      (run-hooks 'post-command-hook)
      (unless (nanguard-test-wait (lambda () (eglot-current-server)))
        (nanguard-test-finish "eglot did not connect"))
      (flymake-mode 1)
      (unless (nanguard-test-wait #'nanguard-test-nanguard-diagnostics)
        (nanguard-test-finish "no diagnostics arrived"))
      (let ((diagnostic (car (nanguard-test-nanguard-diagnostics))))
        (push (cons 'diagnostics
                    (vconcat
                     (mapcar (lambda (d)
                               (save-excursion
                                 (let ((beg (flymake-diagnostic-beg d)) (end (flymake-diagnostic-end d)))
                                   `((line . ,(1- (line-number-at-pos beg)))
                                     (column . ,(progn (goto-char beg) (current-column)))
                                     (end_column . ,(progn (goto-char end) (current-column)))
                                     (type . ,(symbol-name (flymake-diagnostic-type d)))
                                     (text . ,(flymake-diagnostic-text d))))))
                             (nanguard-test-nanguard-diagnostics))))
              nanguard-test-result)
        (push (cons 'server_name (plist-get (eglot--server-info (eglot-current-server)) :name))
              nanguard-test-result)
        (goto-char (flymake-diagnostic-beg diagnostic))
        ;; The quick-fix command prompts for the action; answer as a user would.
        (cl-letf (((symbol-function 'completing-read)
                   (lambda (_prompt collection &rest _)
                     (push (cons 'titles (vconcat (mapcar #'car collection))) nanguard-test-result)
                     nanguard-test-title)))
          (let ((last-nonmenu-event t))  ; a keyboard user: completing-read, not a popup menu
            (eglot-code-actions (flymake-diagnostic-beg diagnostic) (flymake-diagnostic-end diagnostic)
                                "quickfix" t))))
      (save-buffer)
      (unless (nanguard-test-wait (lambda () (null (nanguard-test-nanguard-diagnostics))))
        (nanguard-test-finish "the diagnostic stayed after the fix"))
      (nanguard-test-finish nil))
  (error (nanguard-test-finish (error-message-string failure))))

;;; eglot_driver.el ends here
