"""The 說明 (help) button's text."""

TEXT = """opsbook：按公司規章檢查營運活頁簿。

驗證：檢查使用中的活頁簿，標出違規儲存格，寫入「違規清單」。
月結·彙總：寫入此類活頁簿的彙總表（月度結算、月度彙總／黑名單、週報／月報）。
清除標記：移除 opsbook 寫入的一切，您自己的內容不變。
設定：開啟活頁簿所在資料夾的 opsbook.toml。

公式（隨增益集提供，Windows）：
=OPS_WORKDAYS_AFTER(A2, 3)、=OPS_IS_WORKDAY(A2)、=OPS_CHECK_ROW(A2:T2, A$1:T$1)、
=OPS_BLACKLISTED(B2, 購氣記錄!A:A, 購氣記錄!B:B)

有問題時，在命令列執行 opsbook doctor。"""
