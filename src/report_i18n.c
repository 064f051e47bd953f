/* report_i18n.c — the reporters' own words, in English and Japanese. Diagnoses and remedies
 * are not here: they are rule data. */
#include "report.h"

#include <strings.h>

static const char *const labels[L_COUNT][LANG_COUNT] = {
	[L_SESSION] = { "Session", "セッション" },
	[L_REACHED] = { "reached", "到達段階" },
	[L_OUTCOME] = { "outcome", "結果" },
	[L_SERVER] = { "server", "サーバー" },
	[L_VIA] = { "via", "経由" },
	[L_WHAT_TO_DO] = { "What to do:", "対処方法:" },
	[L_CANDIDATES] = { "Possible causes, most likely first:", "考えられる原因(可能性の高い順):" },
	[L_CHECK] = { "check", "確認" },
	[L_EVIDENCE] = { "Evidence:", "根拠となるログ行:" },
	[L_LINE] = { "line", "行" },
	[L_ALSO_EXPLAINS] = { "Also explains", "この原因で説明される症状" },
	[L_MORE] = { "More:", "参考:" },
	[L_NO_SESSIONS] = { "No connection attempt found in this input.", "この入力には接続の試行が見つかりませんでした。" },
	[L_SUCCESS_PLAIN] = { "The connection succeeded; no problem found.", "接続は成功しています。問題は見つかりませんでした。" },
	[L_CONFIDENCE] = { "confidence", "確度" },
	[L_INPUT_ERROR] = { "error", "エラー" },
	[L_LINES] = { "lines", "行" },
	[L_UNEXPLAINED_TITLE] = { "The connection failed for a reason no rule recognises",
				  "接続に失敗しましたが、既知のどの原因にも当てはまりません" },
	[L_UNEXPLAINED_DIAG] = { "The log shows a failure, but none of loglens's diagnoses matched it. The last error lines are quoted below.",
				 "ログには失敗が記録されていますが、loglens の診断のどれにも一致しませんでした。最後のエラー行を下に示します。" },
	[L_UNEXPLAINED_STEP1] = { "Read the quoted lines: they are the client's last words before it gave up.",
				  "下に示した行を確認してください。クライアントが接続をあきらめる直前に出力した内容です。" },
	[L_UNEXPLAINED_STEP2] = { "Capture a more detailed log and run loglens again: ssh -vvv, plink -v, or WinSCP with logging level \"Debug 1\".",
				  "より詳しいログを取って loglens にもう一度かけてください(ssh -vvv、plink -v、WinSCP ならログレベル「デバッグ 1」)。" },
	[L_UNEXPLAINED_STEP3] = { "If it still is not recognised, send the log and the server's sshd log (journalctl -u ssh) to the server's administrator.",
				  "それでも原因が分からない場合は、このログとサーバー側の sshd ログ(journalctl -u ssh)をサーバー管理者に送ってください。" },
	[L_NO_FINDINGS_UNKNOWN] = { "The log ends before the connection finished; no problem was recognised.",
				    "接続が終わる前にログが途切れています。問題は見つかりませんでした。" },
	[L_WARNING] = { "WARNING", "警告" },
	[L_ERROR] = { "ERROR", "エラー" },
	[L_INFO] = { "NOTE", "情報" },
	[L_DOWNGRADED] = { "(did not stop the connection)", "(接続は続行されました)" },
	[L_MATCHED_ABOVE] = { "Its connections are reported with the client sessions they were matched to.",
			      "この入力の接続は、突き合わせたクライアント側のセッションと一緒に報告しています。" },
	[L_UNMATCHED_CLIENT] = { "No connection in the server's log could be tied to this attempt: none shares enough with it (user, port, key, source port), or several do, or it is another server's, time's, or the attempt never reached sshd.",
				 "サーバーのログには、この接続試行と確実に対応づけられる接続がありません。共通する情報（ユーザー、ポート、鍵、接続元ポート）が足りないか、候補が複数あるか、別のサーバーや別の時刻のログか、接続が sshd まで届いていません。" },
	[L_UNMATCHED_SERVER] = { "This connection could be tied to none of the client sessions given (too little in common, another attempt, client or time).",
				 "この接続は、与えられたクライアント側のどのセッションとも確実には対応づけられません（共通する情報が足りない、別の接続試行、別のクライアント、または別の時刻）。" },
	[L_SERVER_ITSELF] = { "the sshd server itself, not a connection", "sshd サーバー自体(接続ではありません)" },
	[L_DOWNGRADED_SERVER] = { "(sshd started later)", "(その後 sshd は起動しました)" },
	/* printf formats: sessions, then failed, succeeded and unclear ones */
	[L_SUMMARY] = { "Summary: %u sessions: %u failed, %u succeeded, %u unclear",
			"まとめ: セッション %u 件(失敗 %u、成功 %u、不明 %u)" },
	[L_SUMMARY_NONE] = { "%u without a finding", "問題の見つからないもの %u 件" },
	[L_SUMMARY_OTHER] = { "%u with other diagnoses", "その他の診断 %u 件" },
	[L_SESSION_WORD] = { "session", "セッション" },
	[L_SESSIONS_WORD] = { "sessions", "セッション" },
	[L_ORDER_REVERSED] = { "newest event first: read from the last line up",
			       "新しいイベントが先頭の一覧のため、最後の行から読みました" },
	[L_ORDER_NEWEST_FIRST] = { "newest event first, too long to turn round (4 MB): read as written, a connection's lines in reverse",
				   "新しいイベントが先頭の一覧ですが、長すぎて（4 MB 超）逆順にできません。書かれた順に読んだため、接続ごとの行の順序が逆です" },
};

static const char *const phases[PH_COUNT][LANG_COUNT] = {
	{ "nothing", "開始前" }, { "name lookup", "名前解決" }, { "TCP connect", "TCP 接続" },
	{ "SSH banner exchange", "SSH バナー交換" }, { "key exchange", "鍵交換" },
	{ "host key check", "ホスト鍵の確認" }, { "authentication", "認証" },
	{ "session", "セッション開始" }, { "SFTP", "SFTP 開始" }, { "file transfer", "ファイル転送" },
};

static const char *const outcomes[3][LANG_COUNT] = {
	{ "unknown", "不明" }, { "success", "成功" }, { "FAILED", "失敗" },
};

static const char *const formats[FMT_COUNT][LANG_COUNT] = {
	{ "unrecognised text", "不明な形式のテキスト" },
	{ "WinSCP session log", "WinSCP セッションログ" },
	{ "WinSCP XML log", "WinSCP XML ログ" },
	{ "PuTTY/plink/psftp output", "PuTTY/plink/psftp の出力" },
	{ "PuTTY log file", "PuTTY ログファイル" },
	{ "OpenSSH client output", "OpenSSH クライアントの出力" },
	{ "sshd syslog", "sshd の syslog" },
	{ "sshd journal (JSON)", "sshd のジャーナル (JSON)" },
	{ "sshd log", "sshd のログ" },
};

const char *label(enum lang l, enum label k)
{
	return labels[k][l];
}

/* FTP and FTPS have no SSH banner, key exchange or host key: the same steps are the server's
 * welcome, the TLS handshake and its certificate (the JSON keeps the values of the schema). */
static const char *const ftp_phases[PH_COUNT][LANG_COUNT] = {
	[PH_BANNER] = { "FTP welcome message", "FTP のウェルカムメッセージ" },
	[PH_KEX] = { "TLS handshake", "TLS ハンドシェイク" },
	[PH_HOSTKEY] = { "TLS certificate check", "TLS 証明書の確認" },
	[PH_SFTP] = { "FTP session", "FTP セッション開始" },
};

/* The phase after login is the file protocol's start: SFTP's, or SCP's in an SCP session. */
const char *phase_label(enum lang l, enum phase p, const char *protocol)
{
	if (protocol && strncasecmp(protocol, "ftp", 3) == 0 && ftp_phases[p][l])
		return ftp_phases[p][l];
	if (p == PH_SFTP && protocol && strcasecmp(protocol, "scp") == 0)
		return l == LANG_JA ? "SCP セッション開始" : "SCP session";
	return phases[p][l];
}

const char *outcome_label(enum lang l, enum outcome o)
{
	return outcomes[o][l];
}

const char *format_label(enum lang l, enum format f)
{
	return formats[f][l];
}

const char *text_of(const struct text *t, enum lang l)
{
	return t->s[l] ? t->s[l] : t->s[LANG_EN] ? t->s[LANG_EN] : "";
}
