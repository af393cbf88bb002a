<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN" sourcelanguage="en">
<context>
    <name>AboutDialog</name>
    <message>
        <location filename="../../crm_desktop/ui/about.py" line="+88"/>
        <source>About crm-desktop</source>
        <translation>关于 crm-desktop</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Version {version}</source>
        <translation>版本 {version}</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>A desktop CRM for small and mid-size enterprises: customer files graded and placed by region, follow-ups, linked mail and PDF reports — and every customer stays with the company when a salesperson leaves.</source>
        <translation>面向中小企业的桌面 CRM：按等级和区域管理客户档案，记录跟进，关联邮件，打印 PDF 报表——销售人员离职时，客户始终留在公司。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Qt:</source>
        <translation>Qt：</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>PySide6:</source>
        <translation>PySide6：</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Python:</source>
        <translation>Python：</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Database:</source>
        <translation>数据库：</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Licence:</source>
        <translation>许可证：</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Free software under the GNU General Public License, version 3 or later ({spdx}).</source>
        <translation>自由软件，依据 GNU 通用公共许可证第 3 版或更高版本发布（{spdx}）。</translation>
    </message>
</context>
<context>
    <name>AdminPage</name>
    <message>
        <location filename="../../crm_desktop/ui/wizard.py" line="+173"/>
        <source>First administrator</source>
        <translation>首位管理员</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>This account adds users and changes the company&apos;s settings. Keep its password safe.</source>
        <translation>该账号可以添加用户并修改公司设置。请妥善保管密码。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Login:</source>
        <translation>登录名：</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Display name:</source>
        <translation>显示名称：</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Password:</source>
        <translation>密码：</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Repeat password:</source>
        <translation>确认密码：</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>e.g. admin</source>
        <translation>例如 admin</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>e.g. Wang Fang</source>
        <translation>例如 王芳</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>at least {count} characters</source>
        <translation>至少 {count} 个字符</translation>
    </message>
    <message>
        <location line="+11"/>
        <source>Choose a login, for example “admin”.</source>
        <translation>请设置登录名，例如“admin”。</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Use 2 to 63 lower-case letters, digits, “.”, “_” or “-”, starting with a letter.</source>
        <translation>登录名须由 2 到 63 个小写字母、数字、“.”、“_”或“-”组成，并以字母开头。</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Enter the name other users will see.</source>
        <translation>请输入其他用户看到的名称。</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Use at least {count} characters.</source>
        <translation>密码至少需要 {count} 个字符。</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>The two passwords differ.</source>
        <translation>两次输入的密码不一致。</translation>
    </message>
    <message>
        <location filename="../../crm_desktop/ui/admin_page.py" line="+907"/>
        <location line="+20"/>
        <source>Admin</source>
        <translation>管理</translation>
    </message>
    <message>
        <location line="-19"/>
        <source>Grades, regions and branches of the company.</source>
        <translation>公司的客户等级、区域和分公司。</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Only administrators change the configuration</source>
        <translation>只有管理员可以修改这些设置</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Grades, regions and branches are set up by your administrators. Ask one when a grade, region or branch is missing or needs another name.</source>
        <translation>客户等级、区域和分公司由管理员设置。如果缺少某个等级、区域或分公司，或需要改名，请联系管理员。</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Grades</source>
        <translation>客户等级</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Regions</source>
        <translation>区域</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Branches</source>
        <translation>分公司</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Public pool</source>
        <translation>公海</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Mail</source>
        <translation>邮件</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Grades, regions, branches and public-pool rules of the company.</source>
        <translation>公司的客户等级、区域、分公司和公海规则。</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Users</source>
        <translation>用户</translation>
    </message>
    <message>
        <location line="+58"/>
        <source>Grade colour</source>
        <translation>等级颜色</translation>
    </message>
</context>
<context>
    <name>AppController</name>
    <message>
        <location filename="../../crm_desktop/ui/app.py" line="+451"/>
        <source>Read-only: the database is damaged</source>
        <translation>只读：数据库已损坏</translation>
    </message>
    <message>
        <location line="+73"/>
        <source>Restoring the backup…</source>
        <translation>正在恢复备份…</translation>
    </message>
</context>
<context>
    <name>AssignPage</name>
    <message>
        <location filename="../../crm_desktop/ui/handover_wizard.py" line="+269"/>
        <source>Who takes what</source>
        <translation>由谁接收</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Rules apply in order: the first that matches a customer takes it.</source>
        <translation>规则按顺序生效：客户归第一条匹配的规则。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Add a rule</source>
        <translation>添加规则</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>By grade</source>
        <translation>按等级</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>By region</source>
        <translation>按地区</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>By hand</source>
        <translation>逐个选择</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>to</source>
        <translation>交给</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Tick the customers below</source>
        <translation>在下方勾选客户</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Add rule</source>
        <translation>添加规则</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Remove rule</source>
        <translation>删除规则</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Everything else goes to:</source>
        <translation>其余全部交给：</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Customers</source>
        <translation>客户</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Heir</source>
        <translation>接收人</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Moves</source>
        <translation>数量</translation>
    </message>
    <message>
        <location line="+21"/>
        <source>(recycle bin)</source>
        <translation>（回收站）</translation>
    </message>
    <message>
        <location line="+16"/>
        <location line="+9"/>
        <source>Public pool</source>
        <translation>公海</translation>
    </message>
    <message numerus="yes">
        <location line="+8"/>
        <source>%n customer(s) chosen by hand</source>
        <translation>
            <numerusform>手动选择的 %n 个客户</numerusform>
        </translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Grade {grades}</source>
        <translation>等级 {grades}</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Region {region} and below</source>
        <translation>地区 {region} 及下级</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>All customers</source>
        <translation>全部客户</translation>
    </message>
</context>
<context>
    <name>AttachmentsTab</name>
    <message>
        <location filename="../../crm_desktop/ui/customer_file.py" line="+990"/>
        <source>File</source>
        <translation>文件</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Size</source>
        <translation>大小</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Added</source>
        <translation>添加时间</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>By</source>
        <translation>添加人</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Files are kept in the company database, up to {size} each.</source>
        <translation>文件保存在公司数据库中，每个文件最大 {size}。</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Add file…</source>
        <translation>添加文件…</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Open</source>
        <translation>打开</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Save as…</source>
        <translation>另存为…</translation>
    </message>
    <message>
        <location line="+1"/>
        <location line="+123"/>
        <source>Delete</source>
        <translation>删除</translation>
    </message>
    <message>
        <location line="-68"/>
        <source>{file} is {size}; attachments may be at most {limit}.</source>
        <translation>{file} 大小为 {size}，附件最大只能为 {limit}。</translation>
    </message>
    <message>
        <location line="+14"/>
        <source>Adding {file}…</source>
        <translation>正在添加 {file}…</translation>
    </message>
    <message>
        <location line="+42"/>
        <source>Saved {file}</source>
        <translation>已保存 {file}</translation>
    </message>
    <message>
        <location line="+11"/>
        <source>Delete the attachment {file}?</source>
        <translation>删除附件 {file}？</translation>
    </message>
</context>
<context>
    <name>BackupCoordinator</name>
    <message>
        <location filename="../../crm_desktop/ui/backup_dialogs.py" line="+106"/>
        <source>by hand</source>
        <translation>手动</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>on exit</source>
        <translation>退出时</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>daily</source>
        <translation>每日</translation>
    </message>
    <message>
        <location line="+86"/>
        <source>Backing up the database before closing…</source>
        <translation>关闭前正在备份数据库…</translation>
    </message>
    <message>
        <location line="+2"/>
        <location line="+38"/>
        <source>Backing up the database…</source>
        <translation>正在备份数据库…</translation>
    </message>
    <message>
        <location line="-23"/>
        <location line="+30"/>
        <source>Back up</source>
        <translation>备份</translation>
    </message>
    <message>
        <location line="-26"/>
        <source>The database is open read-only because it is damaged; a copy of it would be damaged too. Restore a backup instead.</source>
        <translation>数据库已损坏，当前以只读方式打开；备份它只会得到同样损坏的副本。请改为从备份恢复。</translation>
    </message>
    <message>
        <location line="+12"/>
        <source>Back up the server database</source>
        <translation>备份服务器数据库</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>PostgreSQL dumps (*.dump)</source>
        <translation>PostgreSQL 转储文件 (*.dump)</translation>
    </message>
    <message>
        <location line="+13"/>
        <source>The backup was written and checked:
{file}
({size})</source>
        <translation>备份已写入并通过校验：
{file}
（{size}）</translation>
    </message>
    <message>
        <location line="+99"/>
        <source>Restore</source>
        <translation>恢复</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>A PostgreSQL database is restored by its administrator with pg_restore; this app restores Single-mode (SQLite) databases only.</source>
        <translation>PostgreSQL 数据库由管理员使用 pg_restore 恢复；本程序只恢复单机模式（SQLite）的数据库。</translation>
    </message>
</context>
<context>
    <name>BranchesTab</name>
    <message>
        <location filename="../../crm_desktop/ui/admin_page.py" line="-234"/>
        <source>Code</source>
        <translation>代码</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Name</source>
        <translation>名称</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Rename</source>
        <translation>重命名</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Rename (F2)</source>
        <translation>重命名 (F2)</translation>
    </message>
    <message>
        <location line="+1"/>
        <location line="+60"/>
        <source>Delete branch</source>
        <translation>删除分公司</translation>
    </message>
    <message>
        <location line="-59"/>
        <source>New branch:</source>
        <translation>新分公司：</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Code, e.g. SH</source>
        <translation>代码，如 SH</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Name, e.g. Shanghai office</source>
        <translation>名称，如 上海办事处</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Add branch</source>
        <translation>添加分公司</translation>
    </message>
    <message>
        <location line="+55"/>
        <source>Delete the branch {name}?</source>
        <translation>删除分公司 {name}？</translation>
    </message>
    <message>
        <location line="+11"/>
        <source>Enter a code and a name for the new branch.</source>
        <translation>请输入新分公司的代码和名称。</translation>
    </message>
</context>
<context>
    <name>BulkChangeDialog</name>
    <message>
        <location filename="../../crm_desktop/ui/bulk_dialog.py" line="+38"/>
        <source>no such customer</source>
        <translation>客户不存在</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>in the recycle bin</source>
        <translation>已在回收站中</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>you may not change this customer</source>
        <translation>您无权修改此客户</translation>
    </message>
    <message>
        <location line="+63"/>
        <source>Every changed customer gets its own entry in the audit log. Customers you may not change are left as they are and listed afterwards.</source>
        <translation>每个被修改的客户都会在操作日志中单独记录一条。您无权修改的客户保持不变，并会在完成后列出。</translation>
    </message>
    <message>
        <location line="+15"/>
        <source>Change grade</source>
        <translation>修改客户等级</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Change region</source>
        <translation>修改区域</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Change owner</source>
        <translation>修改负责人</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>New grade for {count} selected customers</source>
        <translation>为选中的 {count} 个客户设置新的客户等级</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>New region for {count} selected customers</source>
        <translation>为选中的 {count} 个客户设置新的区域</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>New owner for {count} selected customers</source>
        <translation>为选中的 {count} 个客户设置新的负责人</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Change 1 customer</source>
        <translation>修改 1 个客户</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Change {count} customers</source>
        <translation>修改 {count} 个客户</translation>
    </message>
    <message>
        <location line="+61"/>
        <source>Moved to the recycle bin: {count}</source>
        <translation>已移入回收站：{count}</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Restored: {count}</source>
        <translation>已恢复：{count}</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Changed: {count}</source>
        <translation>已修改：{count}</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Had that value already: {count}</source>
        <translation>原本就是该值：{count}</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>Left unchanged, see the details: {count}</source>
        <translation>未能修改（见详细信息）：{count}</translation>
    </message>
    <message>
        <location line="+15"/>
        <source>… and {count} more</source>
        <translation>……另有 {count} 条</translation>
    </message>
</context>
<context>
    <name>ChangePasswordDialog</name>
    <message>
        <location filename="../../crm_desktop/ui/login.py" line="+848"/>
        <source>Choose a new password</source>
        <translation>设置新密码</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>{name}, your password was set by an administrator or by a copy of the database. Choose a new password of your own to continue.</source>
        <translation>{name}，您的密码是由管理员设置的或在复制数据库时生成的。请设置您自己的新密码后继续。</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>New password:</source>
        <translation>新密码：</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Repeat password:</source>
        <translation>确认密码：</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>at least {count} characters</source>
        <translation>至少 {count} 个字符</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Saving…</source>
        <translation>正在保存…</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Change password</source>
        <translation>修改密码</translation>
    </message>
    <message>
        <location line="+19"/>
        <source>Use at least {count} characters.</source>
        <translation>密码至少需要 {count} 个字符。</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Choose a password different from the current one.</source>
        <translation>请选择与当前密码不同的新密码。</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>The two passwords differ.</source>
        <translation>两次输入的密码不一致。</translation>
    </message>
</context>
<context>
    <name>ChangedElsewhereBanner</name>
    <message>
        <location filename="../../crm_desktop/ui/live.py" line="+204"/>
        <source>Someone else changed this customer while you were editing. Your input is kept: Save merges the changes or asks which to keep; Reload shows theirs.</source>
        <translation>其他人在您编辑期间修改了此客户。您输入的内容已保留：保存时会合并更改或询问保留哪一方；点击“重新加载”可查看对方的版本。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Reload</source>
        <translation>重新加载</translation>
    </message>
</context>
<context>
    <name>CompanyPage</name>
    <message>
        <location filename="../../crm_desktop/ui/wizard.py" line="-113"/>
        <source>Welcome to crm-desktop</source>
        <translation>欢迎使用 crm-desktop</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Let us set up your company&apos;s database. It takes less than a minute.</source>
        <translation>下面为贵公司创建数据库，不到一分钟即可完成。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Company name:</source>
        <translation>公司名称：</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>e.g. Northwind Trading Co., Ltd.</source>
        <translation>例如 北风贸易有限公司</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Language:</source>
        <translation>语言：</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Three short steps: your company, its first administrator, and — if you like — demo data to try things out. You can change the language later in the settings.</source>
        <translation>只需三步：填写公司信息，创建首位管理员，以及（可选）添加演示数据以便试用。语言以后可以在设置中更改。</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>The company database is kept here: {database}</source>
        <translation>公司数据库保存在：{database}</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Enter the name of your company.</source>
        <translation>请输入公司名称。</translation>
    </message>
</context>
<context>
    <name>ComposeDialog</name>
    <message>
        <location filename="../../crm_desktop/ui/compose_dialog.py" line="+85"/>
        <source>{n} bytes</source>
        <translation>{n} 字节</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>{n} KB</source>
        <translation>{n} KB</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>{n} MB</source>
        <translation>{n} MB</translation>
    </message>
    <message>
        <location line="+211"/>
        <source>New email</source>
        <translation>写邮件</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Reply to all</source>
        <translation>全部回复</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Reply</source>
        <translation>回复</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>{title} — {customer}</source>
        <translation>{title} — {customer}</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>From</source>
        <translation>发件人</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>To</source>
        <translation>收件人</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Cc</source>
        <translation>抄送</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Subject</source>
        <translation>主题</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Name &lt;name@example.com&gt;, several separated by commas</source>
        <translation>姓名 &lt;name@example.com&gt;，多个地址用逗号分隔</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Copies to (optional)</source>
        <translation>抄送给（可选）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Write your message…</source>
        <translation>在此输入邮件正文…</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Attach files…</source>
        <translation>添加附件…</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Remove</source>
        <translation>移除</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Sending…</source>
        <translation>正在发送…</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Send</source>
        <translation>发送</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Send the email (Ctrl+Enter)</source>
        <translation>发送邮件（Ctrl+Enter）</translation>
    </message>
    <message>
        <location line="+11"/>
        <source>You have no mail account to send from. Add one with its SMTP server in Settings → Mail accounts…, then write again.</source>
        <translation>你还没有可用于发信的邮箱账户。请先在“设置 → 邮箱账户…”中添加一个带 SMTP 服务器的账户，然后再写邮件。</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>No attachments (at most {limit} in all)</source>
        <translation>没有附件（总计最多 {limit}）</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>{count} attachments, {size} of at most {limit}</source>
        <translation>{count} 个附件，共 {size}（最多 {limit}）</translation>
    </message>
    <message>
        <location line="+147"/>
        <source>Choose the account to send from</source>
        <translation>请选择发信账户</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Add at least one recipient</source>
        <translation>请至少填写一个收件人</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Not a valid email address: {entry}</source>
        <translation>不是有效的邮箱地址：{entry}</translation>
    </message>
    <message>
        <location line="+23"/>
        <source>At most {n} attachments in one email</source>
        <translation>一封邮件最多 {n} 个附件</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>{file} ({size}) was not attached: attachments may add up to at most {limit}</source>
        <translation>未添加 {file}（{size}）：附件总计不能超过 {limit}</translation>
    </message>
    <message>
        <location line="+10"/>
        <source>{file} could not be read: {reason}</source>
        <translation>无法读取 {file}：{reason}</translation>
    </message>
    <message>
        <location line="+55"/>
        <source>Please correct the marked fields.</source>
        <translation>请更正标出的字段。</translation>
    </message>
    <message>
        <location line="+49"/>
        <source>Sending the email through {account}…</source>
        <translation>正在通过 {account} 发送邮件…</translation>
    </message>
    <message>
        <location line="+33"/>
        <source>Not sent: an unexpected error occurred.</source>
        <translation>未发送：发生了意外错误。</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Not sent: the mail server could not be reached.</source>
        <translation>未发送：无法连接到邮件服务器。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Not sent: the secure (TLS) connection to the mail server failed.</source>
        <translation>未发送：与邮件服务器建立安全（TLS）连接失败。</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Not sent: the mail server did not accept the password. You will be asked for it again.</source>
        <translation>未发送：邮件服务器不接受该密码。下次发送时会重新询问密码。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Not sent: the mail server refused the sender address.</source>
        <translation>未发送：邮件服务器拒绝了发件人地址。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Not sent: the mail server refused the recipient {address}.</source>
        <translation>未发送：邮件服务器拒绝了收件人 {address}。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Not sent: the mail server refused the message.</source>
        <translation>未发送：邮件服务器拒收这封邮件。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Not sent: the mail server did not answer in time.</source>
        <translation>未发送：邮件服务器响应超时。</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Not sent: the mail server reported an error.</source>
        <translation>未发送：邮件服务器报告了错误。</translation>
    </message>
    <message>
        <location line="+18"/>
        <source>Discard email</source>
        <translation>放弃邮件</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Discard this email? What you wrote will be lost.</source>
        <translation>放弃这封邮件吗？已写的内容将会丢失。</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>No subject</source>
        <translation>没有主题</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Send this email without a subject?</source>
        <translation>要发送这封没有主题的邮件吗？</translation>
    </message>
    <message>
        <location line="+20"/>
        <source>Mail password</source>
        <translation>邮箱密码</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Password of {address} for sending:</source>
        <translation>{address} 的发信密码：</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Attach files</source>
        <translation>添加附件</translation>
    </message>
</context>
<context>
    <name>ConfirmPage</name>
    <message>
        <location filename="../../crm_desktop/ui/handover_wizard.py" line="+106"/>
        <source>Hand over</source>
        <translation>交接</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>One step: everything moves, or nothing does.</source>
        <translation>一步完成：要么全部转移，要么都不变。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Note:</source>
        <translation>备注：</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>e.g. left the company on 30 November</source>
        <translation>例如 11 月 30 日离职</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Print the handover report…</source>
        <translation>打印离职交接单…</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>Disable the login of {name} afterwards</source>
        <translation>交接后停用 {name} 的登录</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>{name}: {moves}. Planned follow-ups go with the customers to their heirs; those of customers sent to the public pool are cancelled.</source>
        <translation>{name}：{moves}。计划跟进随客户转给接收人；放入公海的客户的计划跟进将被取消。</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Done: {customers} customers and {plans} planned follow-ups moved.</source>
        <translation>完成：已转移 {customers} 个客户和 {plans} 条计划跟进。</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>{count} unlinked mails went to {name}.</source>
        <translation>{count} 封未关联邮件已交给 {name}。</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>The login is disabled.</source>
        <translation>登录已停用。</translation>
    </message>
</context>
<context>
    <name>ConflictDialog</name>
    <message>
        <location filename="../../crm_desktop/ui/conflict_dialog.py" line="+134"/>
        <source>(empty)</source>
        <translation>（空）</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Changed by someone else</source>
        <translation>已被他人修改</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Someone else changed this meanwhile</source>
        <translation>在您编辑期间，其他人修改了此内容</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Another user saved changes to the same fields while you were editing. Choose which value to keep for each field; nothing is saved until you do.</source>
        <translation>在您编辑期间，另一位用户保存了相同字段的修改。请为每个字段选择要保留的值；在您选择之前不会保存任何内容。</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Field</source>
        <translation>字段</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Before</source>
        <translation>原值</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Their value</source>
        <translation>对方的值</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Your value</source>
        <translation>您的值</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Take their value</source>
        <translation>采用对方的值</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Keep my value</source>
        <translation>保留我的值</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Merged with changes by someone else: {fields}</source>
        <translation>已与他人的修改合并：{fields}</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Save with these values</source>
        <translation>按所选的值保存</translation>
    </message>
</context>
<context>
    <name>ConnectionEditor</name>
    <message>
        <location filename="../../crm_desktop/ui/login.py" line="-212"/>
        <source>New connection</source>
        <translation>新建连接</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Name:</source>
        <translation>名称：</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Server:</source>
        <translation>服务器：</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Port:</source>
        <translation>端口：</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Database:</source>
        <translation>数据库：</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>User:</source>
        <translation>用户：</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>SSL mode:</source>
        <translation>SSL 模式：</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Server CA file:</source>
        <translation>服务器 CA 文件：</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Choose…</source>
        <translation>选择…</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>verify-full (recommended) checks the server&apos;s certificate against its CA file; require encrypts without checking; disable sends everything in clear text.</source>
        <translation>verify-full（推荐）会用 CA 文件校验服务器证书；require 只加密、不校验证书；disable 以明文传输所有数据。</translation>
    </message>
    <message>
        <location line="+23"/>
        <source>The server&apos;s CA certificate</source>
        <translation>服务器的 CA 证书</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Certificates (*.crt *.pem *.cer);;All files (*)</source>
        <translation>证书 (*.crt *.pem *.cer);;所有文件 (*)</translation>
    </message>
    <message>
        <location line="+45"/>
        <source>Give the connection a name.</source>
        <translation>请为此连接命名。</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>A connection with this name exists already.</source>
        <translation>已存在同名的连接。</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Enter the server&apos;s name or address.</source>
        <translation>请输入服务器名称或地址。</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Enter the database name.</source>
        <translation>请输入数据库名称。</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>verify-full needs the server&apos;s CA file.</source>
        <translation>verify-full 需要服务器的 CA 文件。</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>The CA file does not exist.</source>
        <translation>CA 文件不存在。</translation>
    </message>
</context>
<context>
    <name>ConnectionsDialog</name>
    <message>
        <location filename="../../crm_desktop/ui/connections.py" line="+88"/>
        <source>Database connections</source>
        <translation>数据库连接</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Work on this computer&apos;s own database file, or connect to your company&apos;s server so that every branch shares one customer database. The choice is remembered for the next start.</source>
        <translation>使用本机自己的数据库文件，或连接公司服务器，让各分支共用一个客户数据库。所选连接会在下次启动时沿用。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&amp;Add server…</source>
        <translation>添加服务器(&amp;A)…</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&amp;Edit…</source>
        <translation>编辑(&amp;E)…</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&amp;Remove</source>
        <translation>删除(&amp;R)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&amp;Connect</source>
        <translation>连接(&amp;C)</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>This computer (local database file)</source>
        <translation>本机（本地数据库文件）</translation>
    </message>
    <message>
        <location line="+10"/>
        <source>{text}  (open now)</source>
        <translation>{text}  （当前打开）</translation>
    </message>
    <message>
        <location line="+77"/>
        <source>Remove connection</source>
        <translation>删除连接</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Remove the connection “{name}”? The company&apos;s database is not touched; only this computer forgets how to reach it (and its saved password).</source>
        <translation>删除连接“{name}”？公司的数据库不受影响，只是本机不再记住如何连接它（以及保存的密码）。</translation>
    </message>
</context>
<context>
    <name>ContactDialog</name>
    <message>
        <location filename="../../crm_desktop/ui/contact_dialog.py" line="+80"/>
        <source>Name</source>
        <translation>姓名</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Title</source>
        <translation>职务</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Department</source>
        <translation>部门</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Phone</source>
        <translation>电话</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Mobile</source>
        <translation>手机</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Email</source>
        <translation>邮箱</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>WeChat</source>
        <translation>微信</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Birthday</source>
        <translation>生日</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Notes</source>
        <translation>备注</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Primary contact</source>
        <translation>主要联系人</translation>
    </message>
    <message>
        <location line="+11"/>
        <source>yes</source>
        <translation>是</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>no</source>
        <translation>否</translation>
    </message>
    <message>
        <location line="+100"/>
        <source>New contact</source>
        <translation>新建联系人</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Contact</source>
        <translation>联系人</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>none</source>
        <translation>无</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>WeChat ID</source>
        <translation>微信号</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Saving…</source>
        <translation>正在保存…</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Save</source>
        <translation>保存</translation>
    </message>
    <message>
        <location line="+120"/>
        <source>Please correct the marked fields.</source>
        <translation>请更正标出的字段。</translation>
    </message>
    <message>
        <location line="+30"/>
        <source>Not saved: someone else changed this contact. Your input is kept.</source>
        <translation>未保存：其他人修改了此联系人。您输入的内容已保留。</translation>
    </message>
</context>
<context>
    <name>ContactsTab</name>
    <message>
        <location filename="../../crm_desktop/ui/customer_file.py" line="-406"/>
        <source>Phone / mobile</source>
        <translation>电话 / 手机</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Add contact…</source>
        <translation>添加联系人…</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Edit…</source>
        <translation>编辑…</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Make primary</source>
        <translation>设为主要联系人</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Email…</source>
        <translation>写邮件…</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Write an email to this contact</source>
        <translation>给此联系人写邮件</translation>
    </message>
    <message>
        <location line="+1"/>
        <location line="+141"/>
        <source>Delete</source>
        <translation>删除</translation>
    </message>
    <message>
        <location line="-128"/>
        <source>Primary contact</source>
        <translation>主要联系人</translation>
    </message>
    <message>
        <location line="+127"/>
        <source>Delete the contact {name}?</source>
        <translation>删除联系人 {name}？</translation>
    </message>
</context>
<context>
    <name>CustomerFile</name>
    <message>
        <location line="-667"/>
        <source>Company</source>
        <translation>企业</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Individual</source>
        <translation>个人</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Prospect</source>
        <translation>潜在</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Active</source>
        <translation>活跃</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Dormant</source>
        <translation>沉睡</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Lost</source>
        <translation>流失</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Visit</source>
        <translation>拜访</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Exhibition</source>
        <translation>展会</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Email campaign</source>
        <translation>邮件营销</translation>
    </message>
    <message>
        <location line="+1"/>
        <location line="+24"/>
        <source>Website</source>
        <translation>网站</translation>
    </message>
    <message>
        <location line="-23"/>
        <source>Phone call</source>
        <translation>电话</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Referral</source>
        <translation>转介绍</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Other</source>
        <translation>其他</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>Name</source>
        <translation>名称</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Kind</source>
        <translation>类型</translation>
    </message>
    <message>
        <location line="+1"/>
        <location line="+1"/>
        <source>Grade</source>
        <translation>客户等级</translation>
    </message>
    <message>
        <location line="+1"/>
        <location line="+1"/>
        <source>Region</source>
        <translation>区域</translation>
    </message>
    <message>
        <location line="+1"/>
        <location line="+1"/>
        <source>Owner</source>
        <translation>负责人</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Industry</source>
        <translation>行业</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Source</source>
        <translation>来源</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Phone</source>
        <translation>电话</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Email</source>
        <translation>邮箱</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Address</source>
        <translation>地址</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Tags</source>
        <translation>标签</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Notes</source>
        <translation>备注</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Locked</source>
        <translation>锁定</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Recycle bin</source>
        <translation>回收站</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Attachment</source>
        <translation>附件</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>Created</source>
        <translation>已创建</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Changed</source>
        <translation>已修改</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Moved to the recycle bin</source>
        <translation>已移入回收站</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Restored from the recycle bin</source>
        <translation>已从回收站恢复</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Changed with others</source>
        <translation>批量修改</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Region merged</source>
        <translation>区域已合并</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Attachment added</source>
        <translation>已添加附件</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Attachment deleted</source>
        <translation>已删除附件</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Contact added</source>
        <translation>已添加联系人</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Contact changed</source>
        <translation>已修改联系人</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Contact deleted</source>
        <translation>已删除联系人</translation>
    </message>
    <message>
        <location line="+12"/>
        <source>d MMM</source>
        <translation>M月d日</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>d MMM yyyy</source>
        <translation>yyyy年M月d日</translation>
    </message>
    <message>
        <location line="+640"/>
        <location line="+1161"/>
        <source>yes</source>
        <translation>是</translation>
    </message>
    <message>
        <location line="-1159"/>
        <location line="+1160"/>
        <source>no</source>
        <translation>否</translation>
    </message>
</context>
<context>
    <name>CustomerFileWindow</name>
    <message>
        <location line="-1923"/>
        <source>Customer file</source>
        <translation>客户档案</translation>
    </message>
    <message>
        <location line="+1290"/>
        <source>Profile</source>
        <translation>基本资料</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Contacts</source>
        <translation>联系人</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Follow-ups</source>
        <translation>跟进记录</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Mail</source>
        <translation>邮件</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>History</source>
        <translation>变更记录</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Attachments</source>
        <translation>附件</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Save the new customer first</source>
        <translation>请先保存新客户</translation>
    </message>
    <message>
        <location line="+2"/>
        <location line="+499"/>
        <source>Delete customer</source>
        <translation>删除客户</translation>
    </message>
    <message>
        <location line="-1809"/>
        <location line="+1311"/>
        <source>Print profile…</source>
        <translation>打印档案…</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Preview, print or save this customer&apos;s profile sheet (Ctrl+P)</source>
        <translation>预览、打印或保存此客户的档案表（Ctrl+P）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Revert</source>
        <translation>还原</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Undo your changes since the last save</source>
        <translation>撤销上次保存以来的修改</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Saving…</source>
        <translation>正在保存…</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Create customer</source>
        <translation>创建客户</translation>
    </message>
    <message>
        <location line="-1325"/>
        <location line="+1327"/>
        <source>Save</source>
        <translation>保存</translation>
    </message>
    <message>
        <location line="-1326"/>
        <source>Close the customer file</source>
        <translation>关闭客户档案</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Next tab</source>
        <translation>下一个标签页</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Previous tab</source>
        <translation>上一个标签页</translation>
    </message>
    <message>
        <location line="+1325"/>
        <source>Save (Ctrl+S)</source>
        <translation>保存 (Ctrl+S)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Close</source>
        <translation>关闭</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>New customer</source>
        <translation>新建客户</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>A new customer file. Fill in at least the name, then create it.</source>
        <translation>新的客户档案。至少填写名称，然后创建。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>New customer — crm-desktop</source>
        <translation>新建客户 — crm-desktop</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>{name} — customer file</source>
        <translation>{name} — 客户档案</translation>
    </message>
    <message>
        <location line="+14"/>
        <source>Owner: {owner}</source>
        <translation>负责人：{owner}</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>In the public pool</source>
        <translation>在公海中</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Region: {path}</source>
        <translation>区域：{path}</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>No region</source>
        <translation>未设区域</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>last contact {date}</source>
        <translation>最近联系 {date}</translation>
    </message>
    <message>
        <location line="+135"/>
        <source>Customer not found</source>
        <translation>找不到客户</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>This customer does not exist or you may not see it.</source>
        <translation>此客户不存在，或您无权查看。</translation>
    </message>
    <message>
        <location line="+22"/>
        <source>This customer is in the recycle bin.</source>
        <translation>此客户在回收站中。</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>This customer is in the public pool: claim it to edit it.</source>
        <translation>此客户在公海中：领取后才能编辑。</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>You can view this customer but not change it.</source>
        <translation>您可以查看此客户，但不能修改。</translation>
    </message>
    <message>
        <location line="+149"/>
        <source>Customer created.</source>
        <translation>客户已创建。</translation>
    </message>
    <message>
        <location line="+42"/>
        <source>Merged with changes by someone else: {fields}</source>
        <translation>已与他人的修改合并：{fields}</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Saved.</source>
        <translation>已保存。</translation>
    </message>
    <message>
        <location line="+31"/>
        <source>Not saved: someone else changed this customer meanwhile. Your input is kept; save again to decide.</source>
        <translation>未保存：在此期间其他人修改了此客户。您输入的内容已保留；再次保存即可决定保留哪些值。</translation>
    </message>
    <message>
        <location line="+26"/>
        <source>Not saved: please correct the marked fields.</source>
        <translation>未保存：请更正标出的字段。</translation>
    </message>
    <message>
        <location line="+23"/>
        <source>Move {name} to the recycle bin? A manager can restore it.</source>
        <translation>将 {name} 移入回收站？经理可以将其恢复。</translation>
    </message>
    <message>
        <location line="+79"/>
        <source>Unsaved changes</source>
        <translation>未保存的修改</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Discard your unsaved changes to this customer?</source>
        <translation>放弃对此客户未保存的修改？</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>Possible duplicate</source>
        <translation>可能重复</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>A similar customer exists already.</source>
        <translation>已存在相似的客户。</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Create anyway</source>
        <translation>仍然创建</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Open the existing one</source>
        <translation>打开已有客户</translation>
    </message>
    <message>
        <location line="+66"/>
        <source>Add a file</source>
        <translation>添加文件</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Save the file as</source>
        <translation>文件另存为</translation>
    </message>
</context>
<context>
    <name>CustomerListModel</name>
    <message>
        <location filename="../../crm_desktop/ui/customer_model.py" line="+94"/>
        <source>Name</source>
        <translation>名称</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Grade</source>
        <translation>等级</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Region</source>
        <translation>区域</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Owner</source>
        <translation>负责人</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Phone</source>
        <translation>电话</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Email</source>
        <translation>邮箱</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Last follow-up</source>
        <translation>最近跟进</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Next follow-up</source>
        <translation>下次跟进</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Created</source>
        <translation>创建日期</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>In pool since</source>
        <translation>进入公海</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Branch</source>
        <translation>分公司</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Tags</source>
        <translation>标签</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>Prospect</source>
        <translation>潜在</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Active</source>
        <translation>活跃</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Dormant</source>
        <translation>沉睡</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Lost</source>
        <translation>流失</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>Public pool</source>
        <translation>公海</translation>
    </message>
    <message>
        <location line="+230"/>
        <source>Click to sort</source>
        <translation>点击排序</translation>
    </message>
    <message>
        <location line="+35"/>
        <source>(not available)</source>
        <translation>（已不可用）</translation>
    </message>
</context>
<context>
    <name>CustomersPage</name>
    <message>
        <location filename="../../crm_desktop/ui/customers_page.py" line="+476"/>
        <source>Search name, pinyin, phone, email…</source>
        <translation>搜索名称、拼音、电话、邮箱……</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Find customers by any fragment of their name, full pinyin or initials (hwjs), phone number, email, address or a contact&apos;s name. Ctrl+F comes back here.</source>
        <translation>按名称的任意片段、全拼或拼音首字母（如 hwjs）、电话号码、邮箱、地址或联系人姓名查找客户。按 Ctrl+F 可回到这里。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Search customers</source>
        <translation>搜索客户</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Open</source>
        <translation>打开</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>New customer</source>
        <translation>新建客户</translation>
    </message>
    <message>
        <location line="+1"/>
        <location line="+399"/>
        <source>New customer (Ctrl+N)</source>
        <translation>新建客户 (Ctrl+N)</translation>
    </message>
    <message>
        <location line="-398"/>
        <source>Change grade…</source>
        <translation>修改客户等级…</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Change region…</source>
        <translation>修改区域…</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Change owner…</source>
        <translation>修改负责人…</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Release to the public pool…</source>
        <translation>释放到公海…</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Give the selected customers back to the pool, for anyone to claim</source>
        <translation>把选中的客户退回公海，任何人都可以领取</translation>
    </message>
    <message>
        <location line="+1"/>
        <location line="+753"/>
        <source>Delete</source>
        <translation>删除</translation>
    </message>
    <message>
        <location line="-752"/>
        <source>Move the selected customers to the recycle bin</source>
        <translation>将选中的客户移入回收站</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Recycle bin</source>
        <translation>回收站</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Print roster…</source>
        <translation>打印名册…</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>A roster of the customers this list&apos;s filter selects: preview, print, save</source>
        <translation>按当前列表的筛选条件生成客户名册：预览、打印、保存</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Import…</source>
        <translation>导入…</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Bring customers in from an Excel or CSV file or phone vCards (you can also drop the file here)</source>
        <translation>从 Excel、CSV 文件或手机 vCard 导入客户（也可以把文件拖到这里）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Export…</source>
        <translation>导出…</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Save the customers of this list, or the selected ones, as an Excel or CSV file (Ctrl+Shift+E)</source>
        <translation>将此列表中的客户（或选中的客户）保存为 Excel 或 CSV 文件（Ctrl+Shift+E）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Change selected</source>
        <translation>批量修改</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Change the grade, region or owner of the selected customers</source>
        <translation>修改选中客户的客户等级、区域或负责人</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Columns</source>
        <translation>列</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Choose the columns of the list</source>
        <translation>选择列表显示的列</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Only managers and administrators assign owners</source>
        <translation>只有经理和管理员可以指定负责人</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Only managers and administrators restore deleted customers</source>
        <translation>只有经理和管理员可以恢复已删除的客户</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Give the selected customers another owner</source>
        <translation>为选中的客户更换负责人</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Deleted customers, to restore</source>
        <translation>已删除的客户，可在此恢复</translation>
    </message>
    <message>
        <location line="+291"/>
        <source>Loading customers…</source>
        <translation>正在加载客户…</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>more than {count} found</source>
        <translation>找到超过 {count} 个</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>1 found</source>
        <translation>找到 1 个</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>{count} found</source>
        <translation>找到 {count} 个</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>{ms} ms</source>
        <translation>{ms} 毫秒</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>1 customer</source>
        <translation>1 个客户</translation>
    </message>
    <message>
        <location line="-18"/>
        <location line="+19"/>
        <source>{count} customers</source>
        <translation>{count} 个客户</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>{count} selected</source>
        <translation>已选 {count} 个</translation>
    </message>
    <message>
        <location line="-19"/>
        <location line="+22"/>
        <source>updating…</source>
        <translation>正在更新…</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Found in {ms} ms</source>
        <translation>用时 {ms} 毫秒</translation>
    </message>
    <message>
        <location line="+15"/>
        <source>No customer matches “{text}”</source>
        <translation>没有与“{text}”匹配的客户</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>No customer matches these filters</source>
        <translation>没有符合这些筛选条件的客户</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Check the spelling, type fewer characters (pinyin initials such as “hwjs” work too) or clear the filters.</source>
        <translation>请检查拼写、少输入几个字（也可以用拼音首字母，如“hwjs”），或清除筛选条件。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Clear filters</source>
        <translation>清除筛选</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>No customers yet</source>
        <translation>还没有客户</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Each customer file keeps the grade, region, owner, contacts and follow-ups of one customer. Create the first one to get started.</source>
        <translation>每份客户档案记录一个客户的客户等级、区域、负责人、联系人和跟进记录。新建第一个客户即可开始。</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Customers in a spreadsheet or vCard file? Choose File → Import customers… ({shortcut}) or drop the file on this page.</source>
        <translation>客户在电子表格或 vCard 文件里？选择“文件 → 导入客户…”（{shortcut}），或把文件拖到本页。</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>To try crm-desktop with realistic demo data, run &lt;code&gt;crm-desktop demo --customers 1000&lt;/code&gt;.</source>
        <translation>如需用逼真的演示数据试用 crm-desktop，请运行 &lt;code&gt;crm-desktop demo --customers 1000&lt;/code&gt;。</translation>
    </message>
    <message>
        <location line="+332"/>
        <source>Changing customers…</source>
        <translation>正在修改客户…</translation>
    </message>
    <message>
        <location line="+20"/>
        <source>Move this customer to the recycle bin?</source>
        <translation>将此客户移入回收站？</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Move {count} customers to the recycle bin?</source>
        <translation>将 {count} 个客户移入回收站？</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>A manager can restore them from the recycle bin with everything they hold.</source>
        <translation>经理可以从回收站恢复它们，所有资料都会保留。</translation>
    </message>
    <message>
        <location line="+20"/>
        <source>Deleting customers…</source>
        <translation>正在删除客户…</translation>
    </message>
</context>
<context>
    <name>DamagedDatabaseDialog</name>
    <message>
        <location filename="../../crm_desktop/ui/backup_dialogs.py" line="+275"/>
        <location line="+1"/>
        <source>The database is damaged</source>
        <translation>数据库已损坏</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>The integrity check found damage in {file}. To keep it from getting worse it is open read-only: you can look at your data, but nothing can be saved.</source>
        <translation>完整性检查发现 {file} 已损坏。为防止损坏扩大，它已以只读方式打开：可以查看数据，但无法保存任何修改。</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>What the check found: {finding}</source>
        <translation>检查结果：{finding}</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>The newest good backup is {name}, made {when}. Restoring it puts that copy in place; the damaged file is kept aside as {aside}, and changes made after the backup are only in that file.</source>
        <translation>最新的完好备份是 {name}，备份于 {when}。恢复后将用该副本替换数据库；损坏的文件另存为 {aside}，备份之后的修改只保留在该文件中。</translation>
    </message>
    <message>
        <location line="+12"/>
        <source>No good backup of this database was found. Copy your data out while it is readable, or ask for help to repair the file.</source>
        <translation>没有找到这个数据库的完好备份。请趁数据还能读取时把它导出，或寻求帮助修复文件。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Restore this backup</source>
        <translation>恢复这个备份</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Open read-only</source>
        <translation>以只读方式打开</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Quit</source>
        <translation>退出</translation>
    </message>
</context>
<context>
    <name>DemoPage</name>
    <message>
        <location filename="../../crm_desktop/ui/wizard.py" line="+155"/>
        <source>Demo data</source>
        <translation>演示数据</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Try crm-desktop with realistic sample customers before entering your own.</source>
        <translation>先用逼真的示例客户试用 crm-desktop，再录入自己的数据。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Fill the database with demo data</source>
        <translation>向数据库填充演示数据</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Demo customers:</source>
        <translation>演示客户数量：</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Demo data adds sample salespeople, customers with their contacts, and two years of follow-ups. Leave it off for the database you will use for real work.</source>
        <translation>演示数据会添加示例销售人员、客户及其联系人，以及两年的跟进记录。正式使用的数据库请不要勾选此项。</translation>
    </message>
</context>
<context>
    <name>DuplicateBanner</name>
    <message>
        <location filename="../../crm_desktop/ui/customer_file.py" line="-959"/>
        <source>public pool</source>
        <translation>公海</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>A customer with this name exists — owner {owner}</source>
        <translation>已存在同名客户 — 负责人 {owner}</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>A customer with this phone number exists — owner {owner}</source>
        <translation>已存在使用此电话的客户 — 负责人 {owner}</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>A customer with this email address exists — owner {owner}</source>
        <translation>已存在使用此邮箱的客户 — 负责人 {owner}</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>owner {owner}</source>
        <translation>负责人 {owner}</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>grade {grade}</source>
        <translation>等级 {grade}</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>last contact {date}</source>
        <translation>最近联系 {date}</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>“{name}” exists — {details}</source>
        <translation>“{name}”已存在 — {details}</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>, </source>
        <translation>，</translation>
    </message>
    <message>
        <location line="+32"/>
        <source>Open</source>
        <translation>打开</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>… and {count} more</source>
        <translation>… 另有 {count} 个</translation>
    </message>
</context>
<context>
    <name>Errors</name>
    <message>
        <location filename="../../crm_desktop/ui/errors.py" line="+29"/>
        <source>Company name</source>
        <translation>公司名称</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Login</source>
        <translation>登录名</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Display name</source>
        <translation>显示名称</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Password</source>
        <translation>密码</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Role</source>
        <translation>角色</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Branch</source>
        <translation>分公司</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Email</source>
        <translation>邮箱</translation>
    </message>
    <message>
        <location line="+11"/>
        <source>The connection to the server was lost; your changes are kept — try again.</source>
        <translation>与服务器的连接已断开；您的修改仍保留在表单中，请重试。</translation>
    </message>
    <message>
        <location line="+26"/>
        <source>Unexpected error</source>
        <translation>意外错误</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Something went wrong that crm-desktop did not expect: {error}

Work interrupted by this error was not saved. The details were written to the log in {folder}; please include that file when you report the problem.</source>
        <translation>crm-desktop 遇到了意料之外的问题：{error}

被此错误中断的操作没有保存。详细信息已写入日志文件夹 {folder}；报告问题时请附上该日志文件。</translation>
    </message>
</context>
<context>
    <name>ExportDialog</name>
    <message>
        <location filename="../../crm_desktop/ui/export_dialog.py" line="+219"/>
        <location line="+1"/>
        <location line="+132"/>
        <location line="+7"/>
        <location line="+110"/>
        <source>Export customers</source>
        <translation>导出客户</translation>
    </message>
    <message>
        <location line="-248"/>
        <source>Format:</source>
        <translation>格式：</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Excel workbook (.xlsx)</source>
        <translation>Excel 工作簿 (.xlsx)</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>CSV, UTF-8 for Excel (.csv)</source>
        <translation>CSV，UTF-8，Excel 可直接打开 (.csv)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>File:</source>
        <translation>文件：</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Choose…</source>
        <translation>选择…</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Include contacts (one row per contact)</source>
        <translation>包含联系人（每位联系人一行）</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Adds the columns: {columns}. A customer without contacts gets one row.</source>
        <translation>增加以下列：{columns}。没有联系人的客户占一行。</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Columns:</source>
        <translation>导出列：</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>All</source>
        <translation>全选</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Defaults</source>
        <translation>默认</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Export</source>
        <translation>导出</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Selected rows only ({count})</source>
        <translation>仅导出选中的行（{count}）</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>{count} selected customers will be exported.</source>
        <translation>将导出选中的 {count} 位客户。</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>{count} customers of the list will be exported.</source>
        <translation>将导出列表中的 {count} 位客户。</translation>
    </message>
    <message>
        <location line="+95"/>
        <source>Excel workbook (*.xlsx)</source>
        <translation>Excel 工作簿 (*.xlsx)</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>CSV files (*.csv)</source>
        <translation>CSV 文件 (*.csv)</translation>
    </message>
    <message>
        <location line="+10"/>
        <source>{name} already exists. Replace it?</source>
        <translation>{name} 已存在。要替换它吗？</translation>
    </message>
    <message>
        <location line="+24"/>
        <source>Choose at least one column.</source>
        <translation>请至少选择一列。</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Choose a file name.</source>
        <translation>请选择文件名。</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>The folder {folder} does not exist.</source>
        <translation>文件夹 {folder} 不存在。</translation>
    </message>
    <message>
        <location line="+19"/>
        <source>Exporting customers…</source>
        <translation>正在导出客户…</translation>
    </message>
    <message>
        <location line="+34"/>
        <source>Export cancelled; no file was written.</source>
        <translation>导出已取消，未写入任何文件。</translation>
    </message>
    <message>
        <location line="+27"/>
        <source>Exported {rows} rows ({customers} customers) to {name}.</source>
        <translation>已导出 {rows} 行（{customers} 位客户）到 {name}。</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>Open folder</source>
        <translation>打开文件夹</translation>
    </message>
</context>
<context>
    <name>FieldErrors</name>
    <message>
        <location filename="../../crm_desktop/ui/contact_dialog.py" line="-305"/>
        <source>Required</source>
        <translation>必填</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Not a valid phone number</source>
        <translation>不是有效的电话号码</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Not a valid email address</source>
        <translation>不是有效的邮箱地址</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>No longer exists; choose another</source>
        <translation>已不存在，请另选</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Not a date</source>
        <translation>不是日期</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>1–50 letters, digits, &apos;.&apos;, &apos;_&apos; or &apos;-&apos;</source>
        <translation>1–50 个字母、数字、“.”、“_”或“-”</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Already used</source>
        <translation>已被使用</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Not a colour</source>
        <translation>不是颜色</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>A whole number of days, 0 or more</source>
        <translation>天数须为 0 或更大的整数</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>The file is too large</source>
        <translation>文件太大</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>At most {count} characters</source>
        <translation>最多 {count} 个字符</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Choose one of the listed values</source>
        <translation>请从列出的值中选择</translation>
    </message>
</context>
<context>
    <name>FilterPanel</name>
    <message>
        <location filename="../../crm_desktop/ui/filter_panel.py" line="+186"/>
        <source>Filters</source>
        <translation>筛选</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Clear filters</source>
        <translation>清除筛选</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Grade</source>
        <translation>客户等级</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Region</source>
        <translation>区域</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Owner</source>
        <translation>负责人</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Branch</source>
        <translation>分公司</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Tags</source>
        <translation>标签</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>any tag, e.g. vip</source>
        <translation>任一标签，如 vip</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Only customers in the public pool</source>
        <translation>只看公海客户</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Created</source>
        <translation>创建日期</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>any time</source>
        <translation>不限</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Created on or after this day</source>
        <translation>在此日期当天或之后创建</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Created on or before this day</source>
        <translation>在此日期当天或之前创建</translation>
    </message>
    <message>
        <location line="+1"/>
        <location line="+12"/>
        <source>Anyone</source>
        <translation>全部</translation>
    </message>
    <message>
        <location line="-11"/>
        <location line="+12"/>
        <source>Public pool</source>
        <translation>公海</translation>
    </message>
    <message>
        <location line="-11"/>
        <location line="+15"/>
        <source>Any branch</source>
        <translation>全部分公司</translation>
    </message>
    <message>
        <location line="-14"/>
        <source>Any status</source>
        <translation>全部状态</translation>
    </message>
    <message>
        <location line="+57"/>
        <source>{name} (inactive)</source>
        <translation>{name}（已停用）</translation>
    </message>
    <message>
        <location line="+42"/>
        <source>All regions</source>
        <translation>全部区域</translation>
    </message>
</context>
<context>
    <name>FirstRunWizard</name>
    <message>
        <location filename="../../crm_desktop/ui/wizard.py" line="+56"/>
        <source>Set up crm-desktop</source>
        <translation>设置 crm-desktop</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&lt; &amp;Back</source>
        <translation>&lt; 上一步(&amp;B)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&amp;Next &gt;</source>
        <translation>下一步(&amp;N) &gt;</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&amp;Create database</source>
        <translation>创建数据库(&amp;C)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <location line="+19"/>
        <source>Creating the company database with {count} demo customers…</source>
        <translation>正在创建公司数据库并生成 {count} 个演示客户…</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Creating the company database…</source>
        <translation>正在创建公司数据库…</translation>
    </message>
    <message>
        <location line="+46"/>
        <source>Cancelled. Nothing was saved; you can finish again, with or without demo data.</source>
        <translation>已取消，没有保存任何内容。您可以再次完成设置，添加或不添加演示数据均可。</translation>
    </message>
</context>
<context>
    <name>FollowupDialog</name>
    <message>
        <location filename="../../crm_desktop/ui/followup_dialog.py" line="+552"/>
        <source>Log follow-up</source>
        <translation>记录跟进</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Plan follow-up</source>
        <translation>计划跟进</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Mark follow-up done</source>
        <translation>完成跟进</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Edit planned follow-up</source>
        <translation>编辑计划跟进</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Edit follow-up</source>
        <translation>编辑跟进记录</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>{title} — {customer}</source>
        <translation>{title} — {customer}</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>Planned: {kind}, due {when}</source>
        <translation>计划：{kind}，{when} 到期</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Note: {note}</source>
        <translation>备注：{note}</translation>
    </message>
    <message>
        <location line="+2"/>
        <location line="+26"/>
        <source>Due</source>
        <translation>到期时间</translation>
    </message>
    <message>
        <location line="-25"/>
        <location line="+26"/>
        <source>Kind</source>
        <translation>方式</translation>
    </message>
    <message>
        <location line="-25"/>
        <source>Contact</source>
        <translation>联系人</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Time</source>
        <translation>时间</translation>
    </message>
    <message>
        <location line="+1"/>
        <location line="+24"/>
        <source>Note</source>
        <translation>备注</translation>
    </message>
    <message>
        <location line="-24"/>
        <source>Summary</source>
        <translation>跟进内容</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Outcome</source>
        <translation>跟进结果</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Lost reason</source>
        <translation>失败原因</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>What to prepare or ask, e.g. bring the new price list</source>
        <translation>要准备或询问的事项，例如带上新价目表</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>What was discussed, agreed or promised</source>
        <translation>谈了什么、约定了什么、答应了什么</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>Choose an outcome…</source>
        <translation>选择跟进结果…</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Choose or type why the customer was lost</source>
        <translation>选择或输入失败原因</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>(no contact)</source>
        <translation>（不指定联系人）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Plan the next follow-up</source>
        <translation>计划下次跟进</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>e.g. send the revised quotation</source>
        <translation>例如：发送修改后的报价单</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Saving…</source>
        <translation>正在保存…</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Plan</source>
        <translation>计划</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Mark done</source>
        <translation>标记完成</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Save</source>
        <translation>保存</translation>
    </message>
    <message>
        <location line="+144"/>
        <source>Choose an outcome</source>
        <translation>请选择跟进结果</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Say why the customer was lost</source>
        <translation>请说明失败原因</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Not in the future; plan it instead</source>
        <translation>不能是将来的时间；请改为计划跟进</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>After the time of this follow-up</source>
        <translation>须晚于本次跟进的时间</translation>
    </message>
    <message>
        <location line="+17"/>
        <location line="+97"/>
        <source>Please correct the marked fields.</source>
        <translation>请更正标出的字段。</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Not saved: someone else changed this follow-up meanwhile. Your input is kept; close the dialog and open the follow-up again to see their change.</source>
        <translation>未保存：其他人刚刚修改了这条跟进记录。您输入的内容仍然保留；请关闭对话框，重新打开这条跟进记录查看对方的修改。</translation>
    </message>
</context>
<context>
    <name>Followups</name>
    <message>
        <location line="-774"/>
        <source>Call</source>
        <translation>电话</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Visit</source>
        <translation>拜访</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Meeting</source>
        <translation>会议</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Email</source>
        <translation>邮件</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>WeChat</source>
        <translation>微信</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Other</source>
        <translation>其他</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>Positive</source>
        <translation>积极</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Neutral</source>
        <translation>一般</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Negative</source>
        <translation>消极</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Won</source>
        <translation>成交</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Lost</source>
        <translation>失败</translation>
    </message>
    <message>
        <location line="+25"/>
        <source>today {time}</source>
        <translation>今天 {time}</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Today {time}</source>
        <translation>今天 {time}</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>tomorrow {time}</source>
        <translation>明天 {time}</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Tomorrow {time}</source>
        <translation>明天 {time}</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>yesterday {time}</source>
        <translation>昨天 {time}</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Yesterday {time}</source>
        <translation>昨天 {time}</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>d MMM</source>
        <translation>M月d日</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>d MMM yyyy</source>
        <translation>yyyy年M月d日</translation>
    </message>
    <message>
        <location line="+728"/>
        <source>Say why the customer was lost</source>
        <translation>请说明失败原因</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Choose one of the listed reasons</source>
        <translation>请从列表中选择一个原因</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Only for a lost outcome</source>
        <translation>仅用于“失败”结果</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>No longer a contact of this customer</source>
        <translation>已不是该客户的联系人</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Mark the follow-up done to give its outcome</source>
        <translation>完成跟进后才能填写结果</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Only a planned follow-up has a due time</source>
        <translation>只有计划跟进才有到期时间</translation>
    </message>
    <message>
        <location filename="../../crm_desktop/ui/timeline.py" line="+92"/>
        <source>created</source>
        <translation>新建</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>assigned</source>
        <translation>分配</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>claimed from the public pool</source>
        <translation>从公海领取</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>returned to the public pool by rule</source>
        <translation>按回收规则退回公海</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>handover</source>
        <translation>离职交接</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>released to the public pool</source>
        <translation>释放到公海</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>imported</source>
        <translation>导入</translation>
    </message>
</context>
<context>
    <name>FreeMailTab</name>
    <message>
        <location filename="../../crm_desktop/ui/free_mail_tab.py" line="+87"/>
        <source>Mail from these domains never links to a customer by its domain: thousands of people share them. It still links by a contact&apos;s or customer&apos;s exact address. One domain per line; a domain covers its subdomains (vip.sina.com is sina.com).</source>
        <translation>来自这些域名的邮件绝不会按域名关联到客户：成千上万的人共用这些域名。按联系人或客户的完整邮箱地址仍会关联。每行一个域名；域名包括其子域名（vip.sina.com 即 sina.com）。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Save</source>
        <translation>保存</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Save the list (Ctrl+S)</source>
        <translation>保存列表（Ctrl+S）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Revert</source>
        <translation>还原</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Restore the defaults</source>
        <translation>恢复默认值</translation>
    </message>
    <message numerus="yes">
        <location line="+22"/>
        <source>%n domain(s)</source>
        <translation>
            <numerusform>%n 个域名</numerusform>
        </translation>
    </message>
    <message>
        <location line="+22"/>
        <source>Saved.</source>
        <translation>已保存。</translation>
    </message>
</context>
<context>
    <name>GradesTab</name>
    <message>
        <location filename="../../crm_desktop/ui/admin_page.py" line="-613"/>
        <source>Grades rank customers by value. Days: after how many days without a follow-up a customer returns to the public pool (reclaim), is warned about beforehand (warn), and counts as dormant. Empty means never.</source>
        <translation>客户等级按价值区分客户。天数：客户多少天没有跟进后退回公海（回收）、提前多少天提醒（提醒），以及多少天后算作沉睡客户。留空表示从不。</translation>
    </message>
    <message>
        <location line="+3"/>
        <location line="+13"/>
        <source>Code</source>
        <translation>代码</translation>
    </message>
    <message>
        <location line="-12"/>
        <source>Name</source>
        <translation>名称</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Colour</source>
        <translation>颜色</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Reclaim after (days)</source>
        <translation>回收（天）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Warn before (days)</source>
        <translation>提前提醒（天）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Dormant after (days)</source>
        <translation>沉睡（天）</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Move up</source>
        <translation>上移</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Move down</source>
        <translation>下移</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Colour…</source>
        <translation>颜色…</translation>
    </message>
    <message>
        <location line="+1"/>
        <location line="+122"/>
        <source>Delete grade</source>
        <translation>删除等级</translation>
    </message>
    <message>
        <location line="-121"/>
        <source>New grade:</source>
        <translation>新等级：</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Name, e.g. Strategic</source>
        <translation>名称，如 战略客户</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Add grade</source>
        <translation>添加等级</translation>
    </message>
    <message>
        <location line="+68"/>
        <source>Days are a whole number, 0 or more (empty: never).</source>
        <translation>天数须为 0 或更大的整数（留空表示从不）。</translation>
    </message>
    <message>
        <location line="+49"/>
        <source>Delete the grade {code} · {name}?</source>
        <translation>删除等级 {code} · {name}？</translation>
    </message>
    <message>
        <location line="+11"/>
        <source>Enter a code and a name for the new grade.</source>
        <translation>请输入新等级的代码和名称。</translation>
    </message>
</context>
<context>
    <name>HandoverWizard</name>
    <message>
        <location filename="../../crm_desktop/ui/handover_wizard.py" line="+62"/>
        <source>Handover (离职交接)</source>
        <translation>离职交接</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&lt; &amp;Back</source>
        <translation>&lt; 上一步(&amp;B)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&amp;Next &gt;</source>
        <translation>下一步(&amp;N) &gt;</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>&amp;Close</source>
        <translation>关闭(&amp;C)</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>&amp;Hand over</source>
        <translation>交接(&amp;H)</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <location line="+78"/>
        <source>{count} → {heir}</source>
        <translation>{count} → {heir}</translation>
    </message>
    <message>
        <location line="+11"/>
        <source>no customers to hand over</source>
        <translation>没有需要交接的客户</translation>
    </message>
    <message>
        <location line="+16"/>
        <source>Handing over…</source>
        <translation>正在交接…</translation>
    </message>
</context>
<context>
    <name>HistoryTab</name>
    <message>
        <location filename="../../crm_desktop/ui/customer_file.py" line="-331"/>
        <source>When</source>
        <translation>时间</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Who</source>
        <translation>操作人</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>What</source>
        <translation>内容</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>From</source>
        <translation>原值</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>To</source>
        <translation>新值</translation>
    </message>
    <message>
        <location line="+11"/>
        <source>Contact {name}: {what}</source>
        <translation>联系人 {name}：{what}</translation>
    </message>
</context>
<context>
    <name>ImportDuplicatesPage</name>
    <message>
        <location filename="../../crm_desktop/ui/import_wizard.py" line="+922"/>
        <source>Duplicates</source>
        <translation>查重</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Same name, phone or email — in the file itself or already in the system.</source>
        <translation>名称、电话或邮箱相同——在文件内重复，或系统中已有。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&amp;Import</source>
        <translation>导入(&amp;I)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>rows in the file</source>
        <translation>文件中的行</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>repeated within the file</source>
        <translation>文件内重复</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>already in the system</source>
        <translation>系统中已有</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>rows with problems</source>
        <translation>有问题的行</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>When a customer is already in the system:</source>
        <translation>客户在系统中已存在时：</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>&amp;Skip it</source>
        <translation>跳过(&amp;S)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>The existing customer stays as it is; the row is counted as skipped.</source>
        <translation>已有客户保持不变，该行记为跳过。</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>&amp;Fill empty fields</source>
        <translation>只补空白字段(&amp;F)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Only fields that are empty in the system are taken from the file.</source>
        <translation>只把系统中为空的字段用文件中的内容补上。</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>&amp;Update all fields</source>
        <translation>全部更新(&amp;U)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Values in the file replace those in the system (empty cells do not).</source>
        <translation>用文件中的内容覆盖系统中的内容（文件中的空单元格不覆盖）。</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>&amp;Create anyway</source>
        <translation>仍然新建(&amp;C)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>A second customer of the same name is created.</source>
        <translation>再新建一个同名客户。</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Rows without an owner go to:</source>
        <translation>没有负责人的客户归：</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&amp;me</source>
        <translation>我(&amp;M)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>the public &amp;pool</source>
        <translation>公海(&amp;P)</translation>
    </message>
    <message>
        <location line="+20"/>
        <source>Rows that cannot be imported are listed on the last page.</source>
        <translation>无法导入的行会在最后一页列出。</translation>
    </message>
</context>
<context>
    <name>ImportFilePage</name>
    <message>
        <location line="-626"/>
        <source>Import customers</source>
        <translation>导入客户</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Choose a CSV, Excel or vCard file, or drop it here.</source>
        <translation>选择 CSV、Excel 或 vCard 文件，或把文件拖到这里。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&amp;File:</source>
        <translation>文件(&amp;F)：</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>e.g. 客户名单.csv</source>
        <translation>例如 客户名单.csv</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&amp;Choose…</source>
        <translation>选择(&amp;C)…</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>CSV files saved by Excel (GBK or UTF-8), Excel workbooks (.xlsx) and vCards (.vcf) from phones. You see the decoded rows and the column mapping before anything is imported, and an import can be undone.</source>
        <translation>支持 Excel 保存的 CSV 文件（GBK 或 UTF-8）、Excel 工作簿（.xlsx）和手机导出的名片（.vcf）。导入前会先显示读出的内容和列的对应关系；导入后也可以撤销。</translation>
    </message>
    <message>
        <location line="+12"/>
        <source>Excel workbook</source>
        <translation>Excel 工作簿</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>sheet “{sheet}”</source>
        <translation>工作表“{sheet}”</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>{n} columns</source>
        <translation>{n} 列</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>about {n} rows</source>
        <translation>约 {n} 行</translation>
    </message>
</context>
<context>
    <name>ImportHistoryDialog</name>
    <message>
        <location line="+1319"/>
        <source>Import history</source>
        <translation>导入记录</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>When</source>
        <translation>时间</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>File</source>
        <translation>文件</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>By</source>
        <translation>操作人</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Created</source>
        <translation>新建</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Updated</source>
        <translation>更新</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>&amp;Undo import…</source>
        <translation>撤销导入(&amp;U)…</translation>
    </message>
    <message>
        <location line="+29"/>
        <source>imported</source>
        <translation>已导入</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>undone</source>
        <translation>已撤销</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>No imports yet (or none you may see).</source>
        <translation>还没有导入记录（或没有您可查看的记录）。</translation>
    </message>
    <message>
        <location line="+22"/>
        <source>Undo the import of {file}? What it created is removed and what it updated gets its previous values back.</source>
        <translation>撤销 {file} 的导入吗？本次新建的数据将被删除，更新过的数据恢复原来的内容。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Undo import</source>
        <translation>撤销导入</translation>
    </message>
    <message>
        <location line="+18"/>
        <source>Undoing the import…</source>
        <translation>正在撤销导入…</translation>
    </message>
</context>
<context>
    <name>ImportMappingPage</name>
    <message>
        <location line="-1165"/>
        <source>Columns</source>
        <translation>列对应</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Where each column of the file goes. Customer name is required.</source>
        <translation>文件中每一列导入到哪里。客户名称为必填。</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Column in the file</source>
        <translation>文件中的列</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Sample values</source>
        <translation>示例内容</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Import as</source>
        <translation>导入为</translation>
    </message>
    <message>
        <location line="+14"/>
        <source>— do not import —</source>
        <translation>— 不导入 —</translation>
    </message>
    <message>
        <location line="+51"/>
        <source>Remembered from your last import of files like this one.</source>
        <translation>沿用上次导入同样格式文件时的设置。</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Guessed from the column names — please check.</source>
        <translation>根据列名自动推测，请核对。</translation>
    </message>
    <message>
        <location line="+44"/>
        <source>Choose the column that holds the customer name to continue.</source>
        <translation>请指定哪一列是客户名称，才能继续。</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>{used} of {total} columns will be imported.</source>
        <translation>共 {total} 列，将导入其中 {used} 列。</translation>
    </message>
</context>
<context>
    <name>ImportPreviewPage</name>
    <message>
        <location line="-288"/>
        <source>Preview</source>
        <translation>预览</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>The first rows as they will be read. Do the names look right?</source>
        <translation>文件前几行的读取结果。名称显示正确吗？</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&amp;Encoding:</source>
        <translation>编码(&amp;E)：</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&amp;Delimiter:</source>
        <translation>分隔符(&amp;D)：</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&amp;Sheet:</source>
        <translation>工作表(&amp;S)：</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Comma ,</source>
        <translation>逗号 ,</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Semicolon ;</source>
        <translation>分号 ;</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Tab</source>
        <translation>制表符</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Pipe |</source>
        <translation>竖线 |</translation>
    </message>
    <message>
        <location line="+41"/>
        <source>Read as {encoding}, as you chose.</source>
        <translation>已按您选择的 {encoding} 读取。</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>The encoding was guessed ({encoding}). Check the names below; if they look wrong choose another encoding.</source>
        <translation>编码是推测的（{encoding}）。请检查下面的名称；如果显示不对，请换一种编码。</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Encoding: {encoding} ({reason}).</source>
        <translation>编码：{encoding}（{reason}）。</translation>
    </message>
    <message>
        <location line="+48"/>
        <source>All {count} rows.</source>
        <translation>共 {count} 行，已全部显示。</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>The first {shown} of about {count} rows.</source>
        <translation>共约 {count} 行，这里显示前 {shown} 行。</translation>
    </message>
</context>
<context>
    <name>ImportProblems</name>
    <message>
        <location filename="../../crm_desktop/ui/import_problems.py" line="+18"/>
        <source>no customer name; row skipped</source>
        <translation>没有客户名称；已跳过此行</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>customer name longer than {limit} characters</source>
        <translation>客户名称超过 {limit} 个字符</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>customer name &apos;{name}&apos; has no letters</source>
        <translation>客户名称“{name}”不含文字</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>{field} &apos;{value}&apos; is not a valid phone number; kept as written</source>
        <translation>{field}“{value}”不是有效的电话号码；按原样保留</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>birthday &apos;{value}&apos; is not a date; left empty</source>
        <translation>生日“{value}”不是日期；留空</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>kind &apos;{value}&apos; is unknown; company assumed</source>
        <translation>类型“{value}”无法识别；按公司处理</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>status &apos;{value}&apos; is unknown; prospect assumed</source>
        <translation>状态“{value}”无法识别；按潜在客户处理</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>source &apos;{value}&apos; is unknown; &apos;other&apos; assumed</source>
        <translation>来源“{value}”无法识别；按“其他”处理</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>{field} longer than {limit} characters; cut</source>
        <translation>{field} 超过 {limit} 个字符；已截断</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>email &apos;{value}&apos; does not look like an address; kept as written</source>
        <translation>邮箱“{value}”不像邮件地址；按原样保留</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>contact details without a contact name were not imported</source>
        <translation>没有联系人姓名的联系方式未导入</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>duplicate of row {other} (same {why}); skipped</source>
        <translation>与第 {other} 行重复（{why}相同）；已跳过</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>duplicate of row {other}; skipped</source>
        <translation>与第 {other} 行重复；已跳过</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>owner &apos;{value}&apos; is not a user; default owner used</source>
        <translation>负责人“{value}”不是系统用户；使用默认负责人</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>grade &apos;{value}&apos; is unknown; left empty</source>
        <translation>等级“{value}”不存在；留空</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>region &apos;{value}&apos; is unknown; left empty</source>
        <translation>区域“{value}”不存在；留空</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>you may not give a customer to {name}; assigned to you</source>
        <translation>您不能把客户分配给{name}；已分配给您</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>you may not give a customer to {name}; put in the public pool</source>
        <translation>您不能把客户分配给{name}；已放入公海</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>nothing new for customer #{id} {name}</source>
        <translation>客户 #{id} {name} 没有可更新的内容</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>a similar customer exists (owner {owner}); skipped</source>
        <translation>已有相似客户（负责人 {owner}）；已跳过</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>a similar customer exists (owner the public pool); skipped</source>
        <translation>公海中已有相似客户；已跳过</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>duplicate of customer #{id} {name} (same {why})</source>
        <translation>与客户 #{id} {name} 重复（{why}相同）</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>customer #{id} {name} is in the public pool: claim it to update it; skipped</source>
        <translation>客户 #{id} {name} 在公海中：领取后才能更新；已跳过</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>you may not change customer #{id} {name}; skipped</source>
        <translation>您无权修改客户 #{id} {name}；已跳过</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>a quoted field is never closed (a &quot; is missing)</source>
        <translation>引号内的字段没有结束（缺少一个 &quot;）</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>a field is longer than {limit} characters; the row is not read</source>
        <translation>有字段超过 {limit} 个字符；此行未读取</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>a field is longer than {limit} characters ({length}); the row is not read</source>
        <translation>有字段超过 {limit} 个字符（{length}）；此行未读取</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>the line is longer than {limit} characters; it is not read</source>
        <translation>此行超过 {limit} 个字符；未读取</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>the row has {n} values but there are only {width} columns</source>
        <translation>此行有 {n} 个值，但只有 {width} 列</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>the row has {n} values but there are only {width} columns; a quoted field is probably not closed (a &quot; is missing)</source>
        <translation>此行有 {n} 个值，但只有 {width} 列；可能有引号内的字段没有结束（缺少一个 &quot;）</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>some bytes are not valid {codec} (shown as �); choose another encoding</source>
        <translation>部分字节不是有效的 {codec}（显示为 �）；请选择其他编码</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>more than {limit} rows; the rest is not read</source>
        <translation>超过 {limit} 行；其余未读取</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>the row has values beyond the last of the {width} columns</source>
        <translation>此行在第 {width} 列之后还有内容</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>more than {limit} cards; the rest is not read</source>
        <translation>超过 {limit} 张名片；其余未读取</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>card {number} cannot be read: {reason}</source>
        <translation>第 {number} 张名片无法读取：{reason}</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>card {number} has no name, organisation or number</source>
        <translation>第 {number} 张名片没有姓名、单位或号码</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>some bytes cannot be decoded (shown as �); choose another encoding</source>
        <translation>部分字节无法解码（显示为 �）；请选择其他编码</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>the card is not closed (END:VCARD is missing)</source>
        <translation>名片没有结束（缺少 END:VCARD）</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>the last card is not closed (END:VCARD is missing)</source>
        <translation>最后一张名片没有结束（缺少 END:VCARD）</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>the card is longer than {limit} characters</source>
        <translation>名片超过 {limit} 个字符</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>name</source>
        <translation>名称</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>phone</source>
        <translation>电话</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>mobile</source>
        <translation>手机</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>email</source>
        <translation>邮箱</translation>
    </message>
</context>
<context>
    <name>ImportResultPage</name>
    <message>
        <location filename="../../crm_desktop/ui/import_wizard.py" line="+530"/>
        <source>Done</source>
        <translation>完成</translation>
    </message>
    <message>
        <location line="+3"/>
        <location line="+47"/>
        <source>The import was undone.</source>
        <translation>本次导入已撤销。</translation>
    </message>
    <message>
        <location line="-45"/>
        <source>The import is complete.</source>
        <translation>导入已完成。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>rows created</source>
        <translation>新建的行</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>rows updated</source>
        <translation>更新的行</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>rows skipped</source>
        <translation>跳过的行</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>problems</source>
        <translation>问题</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Row</source>
        <translation>行</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Problem</source>
        <translation>问题</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&amp;Save problems as CSV…</source>
        <translation>将问题保存为 CSV(&amp;S)…</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&amp;Undo this import…</source>
        <translation>撤销本次导入(&amp;U)…</translation>
    </message>
    <message>
        <location line="+16"/>
        <source>{rows} rows read from {file} in {seconds} s. These rows were not imported:</source>
        <translation>从 {file} 读取 {rows} 行，用时 {seconds} 秒。以下各行没有导入：</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>{rows} rows read from {file} in {seconds} s, all of them imported.</source>
        <translation>从 {file} 读取 {rows} 行，用时 {seconds} 秒，全部导入。</translation>
    </message>
</context>
<context>
    <name>ImportRunPage</name>
    <message>
        <location line="-111"/>
        <source>Importing</source>
        <translation>正在导入</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Everything is imported in one step: all rows, or none.</source>
        <translation>一次完成导入：要么全部导入，要么一行也不导入。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&amp;Next &gt;</source>
        <translation>下一步(&amp;N) &gt;</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Cancel import</source>
        <translation>取消导入</translation>
    </message>
    <message>
        <location line="+12"/>
        <source>Importing…</source>
        <translation>正在导入…</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>Importing… {done} of {total} rows</source>
        <translation>正在导入… 第 {done} / {total} 行</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Importing… {done} rows</source>
        <translation>正在导入… 已处理 {done} 行</translation>
    </message>
</context>
<context>
    <name>ImportValuesPage</name>
    <message>
        <location line="-255"/>
        <source>Unknown values</source>
        <translation>未知的值</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>These grades, regions and owners are not in the system yet. What are they?</source>
        <translation>系统中还没有下面这些等级、区域和负责人。它们分别对应什么？</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Kind</source>
        <translation>类别</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Value in the file</source>
        <translation>文件中的值</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Rows</source>
        <translation>行数</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Use</source>
        <translation>处理方式</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>“Leave empty” imports the customers without it; an owner left empty puts the customer in the public pool.</source>
        <translation>选择“留空”时，客户导入后该项为空；负责人留空的客户进入公海。</translation>
    </message>
    <message>
        <location line="+32"/>
        <source>Leave empty (public pool)</source>
        <translation>留空（进入公海）</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Leave empty</source>
        <translation>留空</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Create grade “{name}”</source>
        <translation>新建等级“{name}”</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Create region “{name}”</source>
        <translation>新建区域“{name}”</translation>
    </message>
</context>
<context>
    <name>ImportWizard</name>
    <message>
        <location line="-721"/>
        <source>Customer name</source>
        <translation>客户名称</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Customer type</source>
        <translation>客户类型</translation>
    </message>
    <message>
        <location line="+1"/>
        <location line="+27"/>
        <source>Grade</source>
        <translation>客户等级</translation>
    </message>
    <message>
        <location line="-26"/>
        <location line="+27"/>
        <source>Region</source>
        <translation>区域</translation>
    </message>
    <message>
        <location line="-26"/>
        <location line="+27"/>
        <source>Owner</source>
        <translation>负责人</translation>
    </message>
    <message>
        <location line="-26"/>
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Industry</source>
        <translation>行业</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Source</source>
        <translation>客户来源</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Customer phone</source>
        <translation>客户电话</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Customer email</source>
        <translation>客户邮箱</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Website</source>
        <translation>网址</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Address</source>
        <translation>地址</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Tags</source>
        <translation>标签</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Customer notes</source>
        <translation>客户备注</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Contact name</source>
        <translation>联系人姓名</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Contact title</source>
        <translation>联系人职务</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Contact department</source>
        <translation>联系人部门</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Contact mobile</source>
        <translation>联系人手机</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Contact phone</source>
        <translation>联系人电话</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Contact email</source>
        <translation>联系人邮箱</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Contact WeChat</source>
        <translation>联系人微信</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Contact birthday</source>
        <translation>联系人生日</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Contact notes</source>
        <translation>联系人备注</translation>
    </message>
    <message>
        <location line="+33"/>
        <source>Column {n}</source>
        <translation>第 {n} 列</translation>
    </message>
    <message>
        <location line="+1091"/>
        <location line="+328"/>
        <source>Import customers</source>
        <translation>导入客户</translation>
    </message>
    <message>
        <location line="-327"/>
        <source>&lt; &amp;Back</source>
        <translation>&lt; 上一步(&amp;B)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&amp;Next &gt;</source>
        <translation>下一步(&amp;N) &gt;</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&amp;Close</source>
        <translation>关闭(&amp;C)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <location line="+85"/>
        <source>The file could not be read.</source>
        <translation>无法读取该文件。</translation>
    </message>
    <message>
        <location line="+25"/>
        <source>Reading {file}…</source>
        <translation>正在读取 {file}…</translation>
    </message>
    <message>
        <location line="+40"/>
        <source>Checking {file}…</source>
        <translation>正在检查 {file}…</translation>
    </message>
    <message>
        <location line="+45"/>
        <source>Cancelling…</source>
        <translation>正在取消…</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Done.</source>
        <translation>完成。</translation>
    </message>
    <message>
        <location line="+10"/>
        <source>Cancelled. Nothing was imported.</source>
        <translation>已取消，没有导入任何数据。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Nothing was imported: {reason}</source>
        <translation>没有导入任何数据：{reason}</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Nothing was imported.</source>
        <translation>没有导入任何数据。</translation>
    </message>
    <message>
        <location line="+56"/>
        <source>Could not save {file}: {reason}</source>
        <translation>无法保存 {file}：{reason}</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>The problems were saved to {file}.</source>
        <translation>问题列表已保存到 {file}。</translation>
    </message>
    <message>
        <location line="+12"/>
        <source>Undo the import of {file}? The customers and contacts of its {created} new rows are removed (those changed since go to the recycle bin) and the customers of its {updated} updating rows get their previous values back.</source>
        <translation>撤销 {file} 的导入吗？由 {created} 行新建的客户和联系人将被删除（导入后有过改动的移入回收站），由 {updated} 行更新的客户恢复原来的内容。</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Undo import</source>
        <translation>撤销导入</translation>
    </message>
    <message>
        <location line="+18"/>
        <source>Undoing the import…</source>
        <translation>正在撤销导入…</translation>
    </message>
    <message>
        <location line="+10"/>
        <source>Customer files (*.csv *.txt *.tsv *.xlsx *.xlsm *.vcf *.vcard)</source>
        <translation>客户文件 (*.csv *.txt *.tsv *.xlsx *.xlsm *.vcf *.vcard)</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>Save problems</source>
        <translation>保存问题列表</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>CSV files (*.csv)</source>
        <translation>CSV 文件 (*.csv)</translation>
    </message>
    <message>
        <location line="+21"/>
        <source>Import undone: {removed} removed, {restored} restored.</source>
        <translation>导入已撤销：删除 {removed} 条，恢复 {restored} 条。</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>{n} kept because they changed since the import:</source>
        <translation>{n} 条因导入后有过改动而保留：</translation>
    </message>
</context>
<context>
    <name>LinkDialog</name>
    <message>
        <location filename="../../crm_desktop/ui/link_dialog.py" line="+153"/>
        <source>Link this message to a customer</source>
        <translation>把这封邮件关联到客户</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Link {count} messages to a customer</source>
        <translation>把 {count} 封邮件关联到客户</translation>
    </message>
    <message>
        <location line="+11"/>
        <source>Search customers: name, pinyin, phone, email…</source>
        <translation>搜索客户：名称、拼音、电话、邮箱…</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Contact:</source>
        <translation>联系人：</translation>
    </message>
    <message>
        <location line="+2"/>
        <location line="+116"/>
        <source>(no contact)</source>
        <translation>（不指定联系人）</translation>
    </message>
    <message>
        <location line="-115"/>
        <source>Link</source>
        <translation>关联</translation>
    </message>
    <message>
        <location line="+26"/>
        <source>Searching…</source>
        <translation>正在搜索…</translation>
    </message>
    <message>
        <location line="+18"/>
        <source>No customer matches.</source>
        <translation>没有匹配的客户。</translation>
    </message>
    <message>
        <location line="+16"/>
        <source>public pool</source>
        <translation>公海</translation>
    </message>
    <message>
        <location line="+125"/>
        <source>Add {address} to this contact</source>
        <translation>把 {address} 添加为该联系人的邮箱</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Choose a contact to remember the address with.</source>
        <translation>选择一位联系人，才能记住这个地址。</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>This is already the contact&apos;s address.</source>
        <translation>这已经是该联系人的邮箱。</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>The contact&apos;s address {address} stays; this one is not stored.</source>
        <translation>该联系人保留原邮箱 {address}；不会保存这个地址。</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>1 other unlinked message from this address will follow.</source>
        <translation>该地址的另外 1 封待关联邮件也会一并关联。</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>{count} other unlinked messages from this address will follow.</source>
        <translation>该地址的另外 {count} 封待关联邮件也会一并关联。</translation>
    </message>
    <message>
        <location line="+32"/>
        <source>Linking messages…</source>
        <translation>正在关联邮件…</translation>
    </message>
</context>
<context>
    <name>LoginDialog</name>
    <message>
        <location filename="../../crm_desktop/ui/login.py" line="-507"/>
        <source>Sign in — crm-desktop</source>
        <translation>登录 — crm-desktop</translation>
    </message>
    <message>
        <location line="+1"/>
        <location line="+3"/>
        <source>Sign in</source>
        <translation>登录</translation>
    </message>
    <message>
        <location line="-2"/>
        <source>Login:</source>
        <translation>登录名：</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Password:</source>
        <translation>密码：</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Signing in…</source>
        <translation>正在登录…</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>your database login</source>
        <translation>您的数据库登录名</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Connection:</source>
        <translation>连接：</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Remember password</source>
        <translation>记住密码</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Kept in the system keyring, never in a file.</source>
        <translation>保存在系统钥匙串中，绝不写入文件。</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>No system keyring is available: the password is asked each time.</source>
        <translation>没有可用的系统钥匙串：每次都需要输入密码。</translation>
    </message>
    <message>
        <location line="+3"/>
        <location line="+32"/>
        <source>New connection…</source>
        <translation>新建连接…</translation>
    </message>
    <message>
        <location line="+124"/>
        <source>Enter your login and your password.</source>
        <translation>请输入登录名和密码。</translation>
    </message>
    <message>
        <location line="+81"/>
        <source>You must choose a new password before you can work. Sign in again.</source>
        <translation>您必须先设置新密码才能开始工作。请重新登录。</translation>
    </message>
    <message>
        <location line="+62"/>
        <source>This login is disabled. Ask an administrator.</source>
        <translation>该登录名已被停用，请联系管理员。</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Wrong login or password. Please try again.</source>
        <translation>登录名或密码错误，请重试。</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>This database login has no crm-desktop user. Ask an administrator.</source>
        <translation>该数据库登录名没有对应的 crm-desktop 用户，请联系管理员。</translation>
    </message>
</context>
<context>
    <name>MailAccountEditDialog</name>
    <message>
        <location filename="../../crm_desktop/ui/mail_accounts.py" line="+324"/>
        <source>Add mail account</source>
        <translation>添加邮箱账户</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Edit mail account</source>
        <translation>编辑邮箱账户</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Name:</source>
        <translation>名称：</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Email address:</source>
        <translation>邮箱地址：</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Login:</source>
        <translation>登录名：</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Password:</source>
        <translation>密码：</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>IMAP server:</source>
        <translation>IMAP 服务器：</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>SMTP server:</source>
        <translation>SMTP 服务器：</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>In use:</source>
        <translation>启用：</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>e.g. Work</source>
        <translation>例如：工作邮箱</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Same as the email address</source>
        <translation>与邮箱地址相同</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Stored in the keyring; type to replace</source>
        <translation>已保存在钥匙串中；输入新密码可替换</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Sync and send with this account</source>
        <translation>用此账户同步和发送邮件</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>SSL/TLS</source>
        <translation>SSL/TLS</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>STARTTLS</source>
        <translation>STARTTLS</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>None (unsafe)</source>
        <translation>不加密（不安全）</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>The password is kept in this computer&apos;s keyring, never in the database.</source>
        <translation>密码保存在本机的系统钥匙串中，绝不存入数据库。</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>No keyring works on this computer: the password is not stored and will be asked for at each sync.</source>
        <translation>本机没有可用的系统钥匙串：密码不会被保存，每次同步时都会询问。</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Test connection</source>
        <translation>测试连接</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Save</source>
        <translation>保存</translation>
    </message>
    <message>
        <location line="+79"/>
        <source>Give the IMAP server to test</source>
        <translation>请填写要测试的 IMAP 服务器</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Type the password to test</source>
        <translation>请输入密码再测试</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Connecting…</source>
        <translation>正在连接…</translation>
    </message>
    <message>
        <location line="+10"/>
        <source>Testing the connection…</source>
        <translation>正在测试连接…</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>none found</source>
        <translation>未找到</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Connected: {folders} folders, Sent folder: {sent}</source>
        <translation>连接成功：{folders} 个文件夹，已发送文件夹：{sent}</translation>
    </message>
</context>
<context>
    <name>MailAccountsDialog</name>
    <message>
        <location line="+80"/>
        <location line="+1"/>
        <source>Mail accounts</source>
        <translation>邮箱账户</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Name</source>
        <translation>名称</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Email address</source>
        <translation>邮箱地址</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>IMAP server</source>
        <translation>IMAP 服务器</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Password</source>
        <translation>密码</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Last synced</source>
        <translation>上次同步</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>No mail accounts yet. Add one to sync your mail with customers.</source>
        <translation>还没有邮箱账户。添加一个，即可把邮件同步并关联到客户。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Add…</source>
        <translation>添加…</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Edit…</source>
        <translation>编辑…</translation>
    </message>
    <message>
        <location line="+1"/>
        <location line="+87"/>
        <source>Delete</source>
        <translation>删除</translation>
    </message>
    <message>
        <location line="-86"/>
        <source>Test connection</source>
        <translation>测试连接</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Close</source>
        <translation>关闭</translation>
    </message>
    <message>
        <location line="+24"/>
        <source>never</source>
        <translation>从未</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>in the keyring</source>
        <translation>已存入钥匙串</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>asked each time</source>
        <translation>每次询问</translation>
    </message>
    <message>
        <location line="+55"/>
        <source>Delete the mail account {name}? The mail it brought stays with the customers.</source>
        <translation>删除邮箱账户 {name}？通过它同步的邮件仍保留在客户名下。</translation>
    </message>
    <message>
        <location line="+19"/>
        <source>Connecting to {host}…</source>
        <translation>正在连接 {host}…</translation>
    </message>
    <message>
        <location line="+11"/>
        <source>Testing the connection…</source>
        <translation>正在测试连接…</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>none found</source>
        <translation>未找到</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Connected: {folders} folders, Sent folder: {sent}</source>
        <translation>连接成功：{folders} 个文件夹，已发送文件夹：{sent}</translation>
    </message>
</context>
<context>
    <name>MailModel</name>
    <message>
        <location filename="../../crm_desktop/ui/mail_page.py" line="+242"/>
        <source>Date</source>
        <translation>日期</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>From</source>
        <translation>发件人</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>To</source>
        <translation>收件人</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Subject</source>
        <translation>主题</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Customer</source>
        <translation>客户</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>How linked</source>
        <translation>关联方式</translation>
    </message>
    <message>
        <location line="+6"/>
        <location line="+23"/>
        <source>Has attachments</source>
        <translation>有附件</translation>
    </message>
    <message>
        <location line="+15"/>
        <source>no date</source>
        <translation>无日期</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>(no subject)</source>
        <translation>（无主题）</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>not linked</source>
        <translation>未关联</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>by address</source>
        <translation>按地址</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>by domain</source>
        <translation>按域名</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>by thread</source>
        <translation>按会话</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>by hand</source>
        <translation>手动</translation>
    </message>
</context>
<context>
    <name>MailPage</name>
    <message>
        <location line="+296"/>
        <source>Import files…</source>
        <translation>导入文件…</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Import .eml, .msg or .mbox files (or drop them onto this page)</source>
        <translation>导入 .eml、.msg 或 .mbox 文件（也可拖放到本页）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Sync now</source>
        <translation>立即同步</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Search subject or address…</source>
        <translation>搜索主题或邮件地址…</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Search mail</source>
        <translation>搜索邮件</translation>
    </message>
    <message>
        <location line="+2"/>
        <location line="+1"/>
        <source>Link…</source>
        <translation>关联…</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Link the selected messages to a customer ({shortcut})</source>
        <translation>把选中的邮件关联到客户（{shortcut}）</translation>
    </message>
    <message>
        <location line="+4"/>
        <location line="+1"/>
        <source>Ignore</source>
        <translation>忽略</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Not customer mail: take the selected messages out of the queue (Del)</source>
        <translation>不是客户邮件：把选中的邮件移出待关联队列（Del）</translation>
    </message>
    <message>
        <location line="+1"/>
        <location line="+1"/>
        <source>Back to the queue</source>
        <translation>放回待关联</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Put the selected messages back into the queue</source>
        <translation>把选中的邮件放回待关联队列</translation>
    </message>
    <message>
        <location line="+1"/>
        <location line="+1"/>
        <source>Open customer</source>
        <translation>打开客户</translation>
    </message>
    <message>
        <location line="+11"/>
        <source>Unlinked</source>
        <translation>待关联</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Unlinked ({count})</source>
        <translation>待关联（{count}）</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>All mail</source>
        <translation>全部邮件</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Ignored</source>
        <translation>已忽略</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Mail that matched no customer, waiting for you</source>
        <translation>未匹配到客户、等待你处理的邮件</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>All mail you may see</source>
        <translation>你有权查看的全部邮件</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Mail taken out of the queue as not customer mail</source>
        <translation>被判定为非客户邮件、移出待关联队列的邮件</translation>
    </message>
    <message>
        <location line="+115"/>
        <source>{count}+ found</source>
        <translation>找到 {count}+ 封</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>{count} found</source>
        <translation>找到 {count} 封</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>1 message</source>
        <translation>1 封邮件</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>{count} messages</source>
        <translation>{count} 封邮件</translation>
    </message>
    <message>
        <location line="+35"/>
        <source>No message matches “{text}”</source>
        <translation>没有与“{text}”匹配的邮件</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>The search looks in subjects and in sender and recipient addresses.</source>
        <translation>搜索范围是主题以及发件人、收件人地址。</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>No mail waits for a customer</source>
        <translation>没有待关联的邮件</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Mail whose addresses match no customer or contact waits here until someone links it or ignores it. Mail from known addresses, from a customer&apos;s domain or in a known thread is linked by itself.</source>
        <translation>地址与任何客户或联系人都不匹配的邮件会在这里等待，直到有人关联或忽略它。来自已知地址、客户域名或已知会话的邮件会自动关联。</translation>
    </message>
    <message>
        <location line="+4"/>
        <location line="+12"/>
        <source>Import .eml, .msg or .mbox files with “Import files…” or drop them onto this page, or sync a mail account with “Sync now”.</source>
        <translation>用“导入文件…”导入 .eml、.msg 或 .mbox 文件，或直接拖放到本页；也可以用“立即同步”同步邮箱账户。</translation>
    </message>
    <message>
        <location line="-8"/>
        <source>No mail yet</source>
        <translation>还没有邮件</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Mail you import or sync is kept with the company and linked to the right customer and contact; you see your customers&apos; mail and your own queue.</source>
        <translation>导入或同步的邮件由公司统一保存，并关联到对应的客户和联系人；你能看到自己客户的邮件和自己的待关联队列。</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>Nothing is ignored</source>
        <translation>没有已忽略的邮件</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Messages you ignore in the unlinked queue (newsletters, notifications) wait here; put one back into the queue if it was customer mail after all.</source>
        <translation>在待关联队列中忽略的邮件（订阅、通知等）保存在这里；如果其实是客户邮件，可以放回队列。</translation>
    </message>
    <message>
        <location line="+62"/>
        <source>{count} selected</source>
        <translation>已选 {count} 封</translation>
    </message>
    <message>
        <location line="+100"/>
        <source>Linked to “{name}”.</source>
        <translation>已关联到“{name}”。</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>{count} messages linked to “{name}”.</source>
        <translation>{count} 封邮件已关联到“{name}”。</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>{address} is now the contact&apos;s address.</source>
        <translation>{address} 已设为该联系人的邮箱。</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>The contact keeps its address {existing}; {address} was not stored.</source>
        <translation>该联系人保留原邮箱 {existing}；未保存 {address}。</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>1 more message from that address was linked too.</source>
        <translation>该地址的另外 1 封邮件也已关联。</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>{count} more messages from that address were linked too.</source>
        <translation>该地址的另外 {count} 封邮件也已关联。</translation>
    </message>
    <message>
        <location line="+26"/>
        <source>Ignoring messages…</source>
        <translation>正在忽略邮件…</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>1 message ignored: it is under “Ignored” now.</source>
        <translation>已忽略 1 封邮件：可在“已忽略”中找到。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>{count} messages ignored: they are under “Ignored” now.</source>
        <translation>已忽略 {count} 封邮件：可在“已忽略”中找到。</translation>
    </message>
    <message>
        <location line="+15"/>
        <source>Putting messages back…</source>
        <translation>正在放回邮件…</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>{count} back in the unlinked queue.</source>
        <translation>{count} 封已放回待关联队列。</translation>
    </message>
    <message>
        <location line="+10"/>
        <source>Import mail files</source>
        <translation>导入邮件文件</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Mail files (*.eml *.msg *.mbox);;All files (*)</source>
        <translation>邮件文件 (*.eml *.msg *.mbox);;所有文件 (*)</translation>
    </message>
    <message>
        <location line="+17"/>
        <source>Importing mail…</source>
        <translation>正在导入邮件…</translation>
    </message>
    <message>
        <location line="+21"/>
        <source>Import cancelled: nothing was imported.</source>
        <translation>导入已取消：没有导入任何邮件。</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>{stored} new messages from {files} files.</source>
        <translation>从 {files} 个文件新增 {stored} 封邮件。</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>1 new message.</source>
        <translation>新增 1 封邮件。</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Linked to customers: {linked}; waiting in the queue: {unlinked}.</source>
        <translation>已关联客户：{linked} 封；待关联：{unlinked} 封。</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Already stored before: {count}.</source>
        <translation>之前已存在：{count} 封。</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Not imported: {count}.</source>
        <translation>未导入：{count} 项。</translation>
    </message>
    <message>
        <location line="+11"/>
        <source>{file}, message {number}</source>
        <translation>{file}，第 {number} 封</translation>
    </message>
    <message>
        <location line="+19"/>
        <source>… and {count} more (see the details)</source>
        <translation>… 另有 {count} 项（见详细信息）</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>These files or messages were not imported:</source>
        <translation>以下文件或邮件未导入：</translation>
    </message>
    <message>
        <location line="+69"/>
        <source>Mail accounts are not available in this version</source>
        <translation>此版本不支持邮箱账户</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Add a mail account first: Settings → Mail accounts…</source>
        <translation>请先添加邮箱账户：设置 → 邮箱账户…</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Fetch new mail of {account}</source>
        <translation>收取 {account} 的新邮件</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Fetch new mail of one of your accounts</source>
        <translation>收取你的某个邮箱账户的新邮件</translation>
    </message>
    <message>
        <location line="+30"/>
        <source>Fetching mail of {account}…</source>
        <translation>正在收取 {account} 的邮件…</translation>
    </message>
    <message>
        <location line="+15"/>
        <source>Password of {account}:</source>
        <translation>{account} 的密码：</translation>
    </message>
    <message>
        <location line="+16"/>
        <source>{account}: {stored} new messages ({linked} linked, {unlinked} waiting in the queue).</source>
        <translation>{account}：新增 {stored} 封邮件（已关联 {linked} 封，待关联 {unlinked} 封）。</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Not stored: {count}.</source>
        <translation>未保存：{count} 封。</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>Sync cancelled: the mail fetched so far is kept.</source>
        <translation>同步已取消：已收取的邮件会保留。</translation>
    </message>
</context>
<context>
    <name>MailTab</name>
    <message>
        <location filename="../../crm_desktop/ui/mail_tab.py" line="+103"/>
        <source>{count} messages read: {linked} linked to {name}.</source>
        <translation>读取了 {count} 封邮件：{linked} 封已关联到 {name}。</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>this customer</source>
        <translation>这个客户</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>{count} were linked to it already.</source>
        <translation>{count} 封之前已关联到它。</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>{count} belong to another customer and were left there.</source>
        <translation>{count} 封属于其他客户，保持不变。</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>{count} are in someone else&apos;s unlinked mail and were left there.</source>
        <translation>{count} 封在其他人的待关联邮件中，保持不变。</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>{count} could not be read (first: {file}: {reason}).</source>
        <translation>{count} 个无法读取（第一个：{file}：{reason}）。</translation>
    </message>
    <message>
        <location line="+20"/>
        <location line="+530"/>
        <source>Importing mail…</source>
        <translation>正在导入邮件…</translation>
    </message>
    <message>
        <location line="-370"/>
        <source>Mail imported</source>
        <translation>邮件已导入</translation>
    </message>
    <message>
        <location line="+136"/>
        <source>Subject</source>
        <translation>主题</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Messages</source>
        <translation>邮件数</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Last</source>
        <translation>最近</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>New email…</source>
        <translation>写邮件…</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Reply…</source>
        <translation>回复…</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Reply all…</source>
        <translation>全部回复…</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Link elsewhere…</source>
        <translation>改为关联到…</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Link the selected message to another customer</source>
        <translation>把选中的邮件关联到另一个客户</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Drop .eml or .msg files here to add them to this customer</source>
        <translation>把 .eml 或 .msg 文件拖到这里，即可添加到这个客户</translation>
    </message>
    <message>
        <location line="+43"/>
        <source>(no subject)</source>
        <translation>（无主题）</translation>
    </message>
    <message>
        <location line="+97"/>
        <source>Sending mail is not available yet</source>
        <translation>暂时还不能发送邮件</translation>
    </message>
    <message>
        <location line="+127"/>
        <source>Linked {count} messages to this customer.</source>
        <translation>已把 {count} 封邮件关联到这个客户。</translation>
    </message>
    <message>
        <location line="+11"/>
        <source>Link matching mail</source>
        <translation>关联匹配的邮件</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>{count} unlinked messages match {addresses}. Link them now?</source>
        <translation>有 {count} 封待关联邮件与 {addresses} 匹配。现在关联吗？</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Link them</source>
        <translation>关联</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Not now</source>
        <translation>暂不</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <location filename="../../crm_desktop/ui/main_window.py" line="+67"/>
        <source>Salesperson</source>
        <translation>销售</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Manager</source>
        <translation>经理</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Administrator</source>
        <translation>管理员</translation>
    </message>
    <message>
        <location line="+10"/>
        <source>Customers</source>
        <translation>客户</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Every customer file of the company, graded and placed by region.</source>
        <translation>公司的全部客户档案，按等级和区域归类。</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>Today</source>
        <translation>今日</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Follow-ups due today and overdue, so that nothing slips.</source>
        <translation>今天到期和已逾期的跟进，一项也不遗漏。</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>Public pool</source>
        <translation>公海</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Customers without an owner: claim one to make it yours, and see who followed it up before.</source>
        <translation>没有负责人的客户：领取后即归您负责，还能看到之前谁跟进过。</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>Mail</source>
        <translation>邮件</translation>
    </message>
    <message>
        <location line="+13"/>
        <source>Reports</source>
        <translation>报表</translation>
    </message>
    <message>
        <location line="-8"/>
        <source>Customer email kept with the company: link what matched no customer, search all the mail you may see.</source>
        <translation>客户邮件统一存档：把未匹配到客户的邮件关联起来，检索你有权查看的全部邮件。</translation>
    </message>
    <message>
        <location line="+13"/>
        <source>PDF reports with the company header: preview, print or save. Every print and save is recorded in the audit log.</source>
        <translation>带公司抬头的 PDF 报表：预览、打印或保存。每次打印和保存都记入审计日志。</translation>
    </message>
    <message>
        <location line="+14"/>
        <source>Meanwhile manage users from the command line: &lt;code&gt;crm-desktop users add LOGIN --role sales&lt;/code&gt;, &lt;code&gt;crm-desktop users list&lt;/code&gt; and &lt;code&gt;crm-desktop users disable LOGIN&lt;/code&gt;.</source>
        <translation>在此之前，请通过命令行管理用户：&lt;code&gt;crm-desktop users add LOGIN --role sales&lt;/code&gt;、&lt;code&gt;crm-desktop users list&lt;/code&gt; 和 &lt;code&gt;crm-desktop users disable LOGIN&lt;/code&gt;。</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Only administrators can change these settings; ask yours when something needs to change.</source>
        <translation>只有管理员可以修改这些设置；如需调整，请联系您的管理员。</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Admin</source>
        <translation>管理</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Users, branches, regions, grades and public-pool rules.</source>
        <translation>用户、分公司、区域、客户等级和公海规则。</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Administration screens come in the next releases</source>
        <translation>管理界面将在后续版本推出</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Here administrators will add and disable users, hand a departing salesperson&apos;s customers over to colleagues or the public pool, and edit branches, regions, grades and reclaim rules.</source>
        <translation>管理员将在这里添加和停用用户，把离职销售人员的客户交接给同事或放入公海，并编辑分公司、区域、客户等级和回收规则。</translation>
    </message>
    <message>
        <location line="+444"/>
        <source>&amp;File</source>
        <translation>文件(&amp;F)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&amp;View</source>
        <translation>视图(&amp;V)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&amp;Help</source>
        <translation>帮助(&amp;H)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&amp;New customer</source>
        <translation>新建客户(&amp;N)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&amp;Log follow-up…</source>
        <translation>记录跟进(&amp;L)…</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&amp;Import customers…</source>
        <translation>导入客户(&amp;I)…</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Import &amp;history…</source>
        <translation>导入记录(&amp;H)…</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&amp;Back up now…</source>
        <translation>立即备份(&amp;B)…</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&amp;Restore from backup…</source>
        <translation>从备份恢复(&amp;R)…</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&amp;Settings…</source>
        <translation>设置(&amp;S)…</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&amp;Database connections…</source>
        <translation>数据库连接(&amp;D)…</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&amp;Quit</source>
        <translation>退出(&amp;Q)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&amp;About crm-desktop</source>
        <translation>关于 crm-desktop(&amp;A)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&amp;Keyboard shortcuts</source>
        <translation>键盘快捷键(&amp;K)</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>{name} ({role})</source>
        <translation>{name}（{role}）</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Signed in as {login}</source>
        <translation>当前登录：{login}</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Company</source>
        <translation>公司</translation>
    </message>
    <message>
        <location line="+75"/>
        <source>Select a customer first.</source>
        <translation>请先选择一个客户。</translation>
    </message>
    <message>
        <location line="+85"/>
        <location line="+1"/>
        <location line="+1"/>
        <source>Open the selected customer</source>
        <translation>打开选中的客户</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Open the message&apos;s customer, or link it</source>
        <translation>打开邮件所属的客户，或关联客户</translation>
    </message>
</context>
<context>
    <name>MessageView</name>
    <message>
        <location filename="../../crm_desktop/ui/message_view.py" line="+537"/>
        <source>Save as .eml…</source>
        <translation>另存为 .eml…</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Save the message as it was received</source>
        <translation>按收到时的原样保存这封邮件</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Show images</source>
        <translation>显示图片</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Load this message&apos;s images from the internet (the sender may learn it)</source>
        <translation>从互联网加载这封邮件的图片（发件人可能因此得知你已阅读）</translation>
    </message>
    <message>
        <location line="+1"/>
        <location line="+326"/>
        <source>Open</source>
        <translation>打开</translation>
    </message>
    <message>
        <location line="-325"/>
        <source>Save as…</source>
        <translation>另存为…</translation>
    </message>
    <message>
        <location line="+85"/>
        <source>No message selected</source>
        <translation>未选择邮件</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>(no subject)</source>
        <translation>（无主题）</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>From</source>
        <translation>发件人</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>To</source>
        <translation>收件人</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Cc</source>
        <translation>抄送</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Date</source>
        <translation>日期</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Customer</source>
        <translation>客户</translation>
    </message>
    <message>
        <location line="+19"/>
        <source>Remote images were blocked to protect your privacy.</source>
        <translation>为保护你的隐私，已阻止加载远程图片。</translation>
    </message>
    <message>
        <location line="+61"/>
        <source>Loading images…</source>
        <translation>正在加载图片…</translation>
    </message>
    <message>
        <location line="+15"/>
        <source>{count} images could not be loaded.</source>
        <translation>{count} 张图片无法加载。</translation>
    </message>
    <message>
        <location line="+23"/>
        <source>This link was not opened: it is not a web or mail address.</source>
        <translation>未打开此链接：它不是网址或邮件地址。</translation>
    </message>
    <message>
        <location line="+72"/>
        <source>Saved {file}</source>
        <translation>已保存 {file}</translation>
    </message>
    <message>
        <location line="+23"/>
        <source>Save as</source>
        <translation>另存为</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Open link</source>
        <translation>打开链接</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Write to this address with your mail program?</source>
        <translation>用你的邮件程序给这个地址写信？</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Open this link in your web browser?</source>
        <translation>在浏览器中打开这个链接？</translation>
    </message>
</context>
<context>
    <name>Op</name>
    <message>
        <location filename="../../crm_desktop/ui/ops.py" line="+377"/>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <location line="+20"/>
        <source>Cancelling…</source>
        <translation>正在取消…</translation>
    </message>
    <message>
        <location line="+11"/>
        <source>{label}
{done} of {total}</source>
        <translation>{label}
{done} / {total}</translation>
    </message>
</context>
<context>
    <name>PasswordDialog</name>
    <message>
        <location filename="../../crm_desktop/ui/users_tab.py" line="+246"/>
        <source>Reset password</source>
        <translation>重置密码</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>A new password for {name}:</source>
        <translation>{name} 的新密码：</translation>
    </message>
</context>
<context>
    <name>PasswordFields</name>
    <message>
        <location line="-160"/>
        <source>Password:</source>
        <translation>密码：</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Repeat password:</source>
        <translation>重复密码：</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>at least {count} characters</source>
        <translation>至少 {count} 个字符</translation>
    </message>
    <message>
        <location line="+13"/>
        <source>Use at least {count} characters.</source>
        <translation>请至少使用 {count} 个字符。</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>The two passwords differ.</source>
        <translation>两次输入的密码不一致。</translation>
    </message>
</context>
<context>
    <name>PasswordPrompt</name>
    <message>
        <location filename="../../crm_desktop/ui/mail_accounts.py" line="-554"/>
        <source>Mail password</source>
        <translation>邮箱密码</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Password of the mail account {name} ({user} on {host}):</source>
        <translation>邮箱账户 {name} 的密码（{host} 上的 {user}）：</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Remember in the keyring</source>
        <translation>保存到系统钥匙串</translation>
    </message>
</context>
<context>
    <name>PoolPage</name>
    <message>
        <location filename="../../crm_desktop/ui/pool_page.py" line="+58"/>
        <source>Release this customer to the public pool?</source>
        <translation>把这个客户释放到公海？</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Release {count} customers to the public pool?</source>
        <translation>把 {count} 个客户释放到公海？</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>Any salesperson may then claim them; their planned follow-ups are cancelled. Whoever follows them up next sees your follow-ups and outcomes.</source>
        <translation>之后任何销售都可以领取；已计划的跟进会被取消。之后跟进的人能看到您的跟进记录和结果。</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Release</source>
        <translation>释放</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Released to the public pool: {count}</source>
        <translation>已释放到公海：{count}</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>Not released, see the details: {count}</source>
        <translation>未释放，详见详细信息：{count}</translation>
    </message>
    <message>
        <location line="+14"/>
        <source>Releasing customers…</source>
        <translation>正在释放客户…</translation>
    </message>
    <message>
        <location line="+130"/>
        <source>Search the pool: name, pinyin, phone…</source>
        <translation>搜索公海：名称、拼音、电话…</translation>
    </message>
    <message>
        <location line="+1"/>
        <location line="+1"/>
        <source>Claim</source>
        <translation>领取</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Make the selected customers yours ({shortcut})</source>
        <translation>领取选中的客户，由您负责（{shortcut}）</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Assign to…</source>
        <translation>分配给…</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Give the selected customers to a salesperson</source>
        <translation>把选中的客户分配给一位销售</translation>
    </message>
    <message>
        <location line="+54"/>
        <source>You hold {count} · no limit</source>
        <translation>您持有 {count} 个 · 无上限</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>You hold {count} of {limit}</source>
        <translation>您持有 {count} / {limit} 个</translation>
    </message>
    <message>
        <location line="+11"/>
        <source>Customers you own that are not won yet count against the holding limit; won (active) customers do not.</source>
        <translation>您负责的尚未成交的客户计入持有上限；已成交（活跃）的客户不计入。</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>The limit is reached: claims are refused.</source>
        <translation>已达上限：领取会被拒绝。</translation>
    </message>
    <message>
        <location line="+14"/>
        <source>The public pool is empty</source>
        <translation>公海里没有客户</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Customers come here when nobody follows them up in time, when their owner releases them or when a salesperson leaves. Every one of them can be claimed.</source>
        <translation>客户没有按时跟进、被负责人释放或销售离职时会进入公海。公海里的每个客户都可以领取。</translation>
    </message>
    <message>
        <location line="+89"/>
        <source>Select at most {count} customers to claim at a time.</source>
        <translation>一次最多选择 {count} 个客户领取。</translation>
    </message>
    <message>
        <location line="+11"/>
        <source>Claiming {count} customers…</source>
        <translation>正在领取 {count} 个客户…</translation>
    </message>
    <message>
        <location line="+23"/>
        <source>cancelled</source>
        <translation>已取消</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>an unexpected error (see the log)</source>
        <translation>发生意外错误（详见日志）</translation>
    </message>
    <message>
        <location line="+11"/>
        <location line="+6"/>
        <source>your holding limit is reached ({count} of {limit})</source>
        <translation>已达持有上限（{count} / {limit}）</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>your holding limit is reached</source>
        <translation>已达持有上限</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>you gave it up less than {days} days ago: the cooling-off period is not over yet</source>
        <translation>您放弃它还不到 {days} 天：冷静期尚未结束</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>you gave it up recently: the cooling-off period is not over yet</source>
        <translation>您最近刚放弃它：冷静期尚未结束</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>{name} has just claimed it</source>
        <translation>{name} 刚刚领取了该客户</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>someone else has just claimed it</source>
        <translation>刚被其他人领取</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>you already hold it</source>
        <translation>该客户已在您名下</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>it is no longer in the public pool</source>
        <translation>已不在公海中</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>Claiming customers… {done} of {total}</source>
        <translation>正在领取客户… {done} / {total}</translation>
    </message>
    <message>
        <location line="+35"/>
        <source>“{name}” is yours now: it is in your customer list.</source>
        <translation>“{name}”现在由您负责，已在您的客户列表中。</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>The customer is yours now: it is in your customer list.</source>
        <translation>该客户现在由您负责，已在您的客户列表中。</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>{count} customers are yours now: they are in your customer list.</source>
        <translation>{count} 个客户现在由您负责，已在您的客户列表中。</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Not claimed:</source>
        <translation>未能领取：</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Claimed {claimed}, refused {refused}:</source>
        <translation>已领取 {claimed} 个，被拒绝 {refused} 个：</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>customer #{id}</source>
        <translation>客户 #{id}</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>“{name}”: {reason}</source>
        <translation>“{name}”：{reason}</translation>
    </message>
    <message>
        <location line="+10"/>
        <source>This customer could not be claimed</source>
        <translation>无法领取该客户</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>{refused} of {total} customers could not be claimed</source>
        <translation>{total} 个客户中有 {refused} 个无法领取</translation>
    </message>
</context>
<context>
    <name>PoolRulesTab</name>
    <message>
        <location filename="../../crm_desktop/ui/pool_rules.py" line="+275"/>
        <source>Customers without an owner wait in the public pool, where any salesperson may claim them. These rules decide when a customer returns to the pool and who may take it; reclaim runs when crm-desktop starts and every hour.</source>
        <translation>没有负责人的客户留在公海中，任何销售都可以领取。下面的规则决定客户何时回到公海、谁可以领取；回收在 crm-desktop 启动时以及之后每小时执行一次。</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Only administrators change these rules. They are shown so that you know when your customers return to the pool and how many you may hold.</source>
        <translation>只有管理员可以修改这些规则。列在这里是为了让您知道客户何时会回到公海，以及您最多可以持有多少客户。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Pool rules</source>
        <translation>公海规则</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Holding limit</source>
        <translation>持有上限</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>customers per salesperson</source>
        <translation>个客户 / 每位销售</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Claims beyond it are refused. Won (active) customers do not count. Empty: no limit.</source>
        <translation>超出上限的领取会被拒绝。已成交（活跃）的客户不计入。留空：不限。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Cooling-off period</source>
        <translation>冷静期</translation>
    </message>
    <message>
        <location line="+1"/>
        <location line="+8"/>
        <source>days</source>
        <translation>天</translation>
    </message>
    <message>
        <location line="-2"/>
        <source>The previous owner cannot claim a customer back until this many days after it left them. 0: at once.</source>
        <translation>客户离开原负责人后，原负责人要过这么多天才能重新领取。0：立即可以。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Return when not won after</source>
        <translation>未成交退回期限</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>A customer not won (not active) this many days after its owner got it returns to the pool, even when followed up. Empty: never.</source>
        <translation>负责人获得客户后超过这么多天仍未成交（未变为活跃），即使一直有跟进也会退回公海。留空：从不。</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>none</source>
        <translation>不限</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Save rules</source>
        <translation>保存规则</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Revert</source>
        <translation>还原</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Per grade</source>
        <translation>按客户等级</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>A customer returns to the pool after this many days without a follow-up; its owner is warned the given days before; it counts as dormant after its days.</source>
        <translation>客户超过这么多天没有跟进就会退回公海；负责人会提前相应天数收到提醒；超过沉睡天数的客户算作沉睡客户。</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Grade</source>
        <translation>等级</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Returns after</source>
        <translation>回收期限</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Warned before</source>
        <translation>提前提醒</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Dormant after</source>
        <translation>沉睡期限</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Edit on the Grades tab</source>
        <translation>在“客户等级”页中修改</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Lost reasons</source>
        <translation>失败原因</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Salespeople pick one when a prospect is lost. The reason stays with the customer for whoever follows it up next.</source>
        <translation>销售丢单时从中选择一个原因。原因会保留在客户档案中，供之后跟进的人参考。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Rename</source>
        <translation>重命名</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Rename (F2)</source>
        <translation>重命名（F2）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Move up</source>
        <translation>上移</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Move down</source>
        <translation>下移</translation>
    </message>
    <message>
        <location line="+1"/>
        <location line="+307"/>
        <source>Remove</source>
        <translation>删除</translation>
    </message>
    <message>
        <location line="-306"/>
        <source>New reason, e.g. Chose a competitor</source>
        <translation>新原因，例如：选择了竞争对手</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Add reason</source>
        <translation>添加原因</translation>
    </message>
    <message>
        <location line="+48"/>
        <source>never</source>
        <translation>从不</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>no warning</source>
        <translation>不提醒</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>1 day</source>
        <translation>1 天</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>{count} days</source>
        <translation>{count} 天</translation>
    </message>
    <message>
        <location line="+51"/>
        <source>A whole number from {low} to {high}; empty for no limit.</source>
        <translation>请填写 {low} 到 {high} 之间的整数；留空表示不限。</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Days from {low} to {high}; empty for never.</source>
        <translation>天数须在 {low} 到 {high} 之间；留空表示从不。</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Days from {low} to {high}.</source>
        <translation>天数须在 {low} 到 {high} 之间。</translation>
    </message>
    <message>
        <location line="+29"/>
        <source>Saving…</source>
        <translation>正在保存…</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Not saved yet</source>
        <translation>尚未保存</translation>
    </message>
    <message>
        <location line="+28"/>
        <source>The pool rules are saved.</source>
        <translation>公海规则已保存。</translation>
    </message>
    <message>
        <location line="+52"/>
        <source>A lost reason needs some words.</source>
        <translation>失败原因不能为空。</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>“{reason}” is already in the list.</source>
        <translation>“{reason}”已在列表中。</translation>
    </message>
    <message>
        <location line="+81"/>
        <source>Remove the lost reason “{reason}”? Follow-ups that used it keep their text.</source>
        <translation>删除失败原因“{reason}”？已使用它的跟进记录会保留原文字。</translation>
    </message>
</context>
<context>
    <name>PreviewPage</name>
    <message>
        <location filename="../../crm_desktop/ui/handover_wizard.py" line="-523"/>
        <source>What they own</source>
        <translation>名下内容</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Customers (the recycle bin included), plans and mail.</source>
        <translation>客户（含回收站）、计划和邮件。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>customers</source>
        <translation>个客户</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>planned follow-ups</source>
        <translation>条计划跟进</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>linked mails</source>
        <translation>封关联邮件</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>unlinked mails</source>
        <translation>未关联邮件</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Mail in their queue that is linked to no customer yet: it goes to the heir who takes the most customers.</source>
        <translation>其待处理队列中尚未关联客户的邮件：将交给接收客户最多的接手人。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>pool claims, 90 days</source>
        <translation>90 天内从公海领取</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Customers by grade and region:</source>
        <translation>客户（按等级和地区）：</translation>
    </message>
    <message>
        <location line="+19"/>
        <source>(none)</source>
        <translation>（无）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Total</source>
        <translation>合计</translation>
    </message>
</context>
<context>
    <name>ProfileForm</name>
    <message>
        <location filename="../../crm_desktop/ui/customer_file.py" line="-471"/>
        <source>Locked (protected from reclaim rules)</source>
        <translation>锁定（不受回收规则影响）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>comma-separated, e.g. vip, 华东展会</source>
        <translation>用逗号分隔，如 vip, 华东展会</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>e.g. 021 6123 4567 or +86 138 1234 5678</source>
        <translation>如 021 6123 4567 或 +86 138 1234 5678</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Company or person (required)</source>
        <translation>公司或个人（必填）</translation>
    </message>
    <message>
        <location line="+43"/>
        <source>Public pool</source>
        <translation>公海</translation>
    </message>
    <message>
        <location line="+134"/>
        <source>Only a manager may lock a customer against the pool rules</source>
        <translation>只有经理可以锁定客户，使其不受公海规则影响</translation>
    </message>
</context>
<context>
    <name>ProspectMemoryView</name>
    <message>
        <location filename="../../crm_desktop/ui/prospect_memory.py" line="+55"/>
        <source>Positive</source>
        <translation>积极</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Neutral</source>
        <translation>一般</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Negative</source>
        <translation>消极</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Won</source>
        <translation>成交</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Lost</source>
        <translation>失败</translation>
    </message>
    <message>
        <location line="+16"/>
        <source>A former user</source>
        <translation>一位前同事</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>{outcome} — {reason}</source>
        <translation>{outcome} — {reason}</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>1 follow-up</source>
        <translation>1 条跟进</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>{count} follow-ups</source>
        <translation>{count} 条跟进</translation>
    </message>
    <message>
        <location line="+13"/>
        <source>{name} ({details})</source>
        <translation>{name}（{details}）</translation>
    </message>
    <message>
        <location line="+2"/>
        <location line="+269"/>
        <source>, </source>
        <translation>，</translation>
    </message>
    <message>
        <location line="-261"/>
        <source>Followed up before by {people}</source>
        <translation>之前跟进过：{people}</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>; </source>
        <translation>；</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>and {count} more</source>
        <translation>等 {count} 人</translation>
    </message>
    <message>
        <location line="+68"/>
        <source>Last {date}</source>
        <translation>最后跟进 {date}</translation>
    </message>
    <message>
        <location line="+11"/>
        <source>No outcome recorded</source>
        <translation>未记录结果</translation>
    </message>
    <message>
        <location line="+90"/>
        <source>Prospect memory</source>
        <translation>历史跟进</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Who followed this customer up before, when, and what came of it — kept across owners so that the next salesperson knows the story.</source>
        <translation>之前谁跟进过这个客户、什么时候、结果如何——换了负责人也会保留，让下一位销售了解来龙去脉。</translation>
    </message>
    <message>
        <location line="+47"/>
        <source>The prospect memory could not be read; the log has the details.</source>
        <translation>无法读取历史跟进；详情见日志。</translation>
    </message>
    <message>
        <location line="+33"/>
        <source>In the public pool since {date}</source>
        <translation>{date} 起在公海</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>last owner {name}</source>
        <translation>上一任负责人：{name}</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Select a customer to see who followed it up before and what came of it.</source>
        <translation>选择一个客户，查看之前谁跟进过以及结果如何。</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Loading…</source>
        <translation>正在加载…</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Nobody has followed this customer up yet: a fresh prospect.</source>
        <translation>还没有人跟进过这个客户：全新的潜在客户。</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Who followed it up before, newest first:</source>
        <translation>之前的跟进人（最近的在前）：</translation>
    </message>
</context>
<context>
    <name>RecycleBinDialog</name>
    <message>
        <location filename="../../crm_desktop/ui/recycle_bin.py" line="+46"/>
        <source>Recycle bin</source>
        <translation>回收站</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Deleted customers</source>
        <translation>已删除的客户</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Deleted customers keep their contacts, follow-ups and mail. Restoring one puts it back in the list with its owner.</source>
        <translation>已删除的客户仍保留其联系人、跟进记录和邮件。恢复后，客户会连同负责人一起回到列表中。</translation>
    </message>
    <message>
        <location line="+10"/>
        <source>Name</source>
        <translation>名称</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Owner</source>
        <translation>负责人</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Grade</source>
        <translation>等级</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Deleted on</source>
        <translation>删除日期</translation>
    </message>
    <message>
        <location line="+18"/>
        <source>Loading…</source>
        <translation>正在加载…</translation>
    </message>
    <message>
        <location line="+6"/>
        <location line="+63"/>
        <source>Restore</source>
        <translation>恢复</translation>
    </message>
    <message>
        <location line="-31"/>
        <source>The recycle bin is empty.</source>
        <translation>回收站是空的。</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Customers deleted from the list wait here, with their contacts and follow-ups, until a manager restores them.</source>
        <translation>从列表中删除的客户连同联系人和跟进记录保留在这里，直到经理将其恢复。</translation>
    </message>
    <message>
        <location line="+23"/>
        <source>Restore {count}</source>
        <translation>恢复 {count} 个</translation>
    </message>
    <message>
        <location line="+13"/>
        <source>Restoring customers…</source>
        <translation>正在恢复客户…</translation>
    </message>
</context>
<context>
    <name>RegionPicker</name>
    <message>
        <location filename="../../crm_desktop/ui/region_picker.py" line="+262"/>
        <source>Choose a region</source>
        <translation>选择区域</translation>
    </message>
    <message>
        <location line="+1"/>
        <location line="+1"/>
        <source>No region</source>
        <translation>未设区域</translation>
    </message>
</context>
<context>
    <name>RegionPickerDialog</name>
    <message>
        <location line="-140"/>
        <source>Choose a region</source>
        <translation>选择区域</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Search regions</source>
        <translation>搜索区域</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>(top level)</source>
        <translation>（顶级）</translation>
    </message>
</context>
<context>
    <name>RegionsTab</name>
    <message>
        <location filename="../../crm_desktop/ui/admin_page.py" line="+103"/>
        <source>Drag a region onto another to move it there; customers stay on their region and move with it. Counts include every region below.</source>
        <translation>把一个区域拖到另一个区域上即可移动；客户留在原区域并随之移动。客户数包括所有下级区域。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Region</source>
        <translation>区域</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Customers</source>
        <translation>客户数</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Code</source>
        <translation>代码</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Add region…</source>
        <translation>添加区域…</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Add sub-region…</source>
        <translation>添加下级区域…</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Rename</source>
        <translation>重命名</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Rename (F2)</source>
        <translation>重命名 (F2)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Move to…</source>
        <translation>移动到…</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Merge into…</source>
        <translation>合并到…</translation>
    </message>
    <message>
        <location line="+43"/>
        <source>{own} on this region itself, {all} with the regions below</source>
        <translation>本区域 {own} 个，含下级区域共 {all} 个</translation>
    </message>
    <message>
        <location line="+52"/>
        <source>New region</source>
        <translation>新区域</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Name of the new region:</source>
        <translation>新区域的名称：</translation>
    </message>
    <message>
        <location line="+11"/>
        <source>New sub-region</source>
        <translation>新的下级区域</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Name of the new region under {parent}:</source>
        <translation>{parent} 下新区域的名称：</translation>
    </message>
    <message>
        <location line="+50"/>
        <source>Moved {region} under {parent}.</source>
        <translation>已将 {region} 移到 {parent} 下。</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Moved {region} to the top level.</source>
        <translation>已将 {region} 移到顶级。</translation>
    </message>
    <message>
        <location line="+13"/>
        <source>Move {region}</source>
        <translation>移动 {region}</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Choose the new parent of {region}:</source>
        <translation>选择 {region} 的新上级：</translation>
    </message>
    <message>
        <location line="+16"/>
        <source>Merge {region}</source>
        <translation>合并 {region}</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Merge {region} into which region? Its customers and sub-regions move there and {region} is removed.</source>
        <translation>将 {region} 合并到哪个区域？其客户和下级区域将移到该区域，{region} 将被删除。</translation>
    </message>
    <message>
        <location line="+11"/>
        <source>Merge {source} into {target}? {count} customers placed directly on {source} move to {target}.</source>
        <translation>将 {source} 合并到 {target}？直接属于 {source} 的 {count} 个客户将移到 {target}。</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Merge</source>
        <translation>合并</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>Merged {source} into {target}: {count} customers moved.</source>
        <translation>已将 {source} 合并到 {target}：移动了 {count} 个客户。</translation>
    </message>
</context>
<context>
    <name>ReminderItem</name>
    <message>
        <location filename="../../crm_desktop/ui/reminders.py" line="+137"/>
        <source>Open</source>
        <translation>打开</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Show Today</source>
        <translation>查看今日</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Snooze 10 min</source>
        <translation>10 分钟后提醒</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Remind me again later</source>
        <translation>稍后再提醒我</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>In 10 minutes</source>
        <translation>10 分钟后</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>In 1 hour</source>
        <translation>1 小时后</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Dismiss</source>
        <translation>忽略</translation>
    </message>
</context>
<context>
    <name>Reminders</name>
    <message>
        <location line="+75"/>
        <source>{count} follow-ups are due</source>
        <translation>{count} 条跟进已到期</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>{kind} with {contact}</source>
        <translation>{kind}（{contact}）</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>{what}, due {when}</source>
        <translation>{what}，{when} 到期</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Follow-up due: {customer}</source>
        <translation>跟进到期：{customer}</translation>
    </message>
</context>
<context>
    <name>ReportPanel</name>
    <message>
        <location filename="../../crm_desktop/ui/reports_page.py" line="+208"/>
        <source>Grade</source>
        <translation>等级</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Region</source>
        <translation>区域</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Salesperson</source>
        <translation>业务员</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Branch</source>
        <translation>分公司</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>From</source>
        <translation>从</translation>
    </message>
    <message>
        <location line="+1"/>
        <location line="+4"/>
        <source>To</source>
        <translation>至</translation>
    </message>
    <message>
        <location line="-3"/>
        <source>No follow-up for</source>
        <translation>未跟进达</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Customer</source>
        <translation>客户</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Handed over by</source>
        <translation>移交人</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>each grade&apos;s dormant days</source>
        <translation>按各等级的休眠天数</translation>
    </message>
    <message>
        <location line="+1"/>
        <source> days</source>
        <translation> 天</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Generate</source>
        <translation>生成</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Generate the report (Ctrl+Enter)</source>
        <translation>生成报表（Ctrl+Enter）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Generate the report</source>
        <translation>生成报表</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Open a customer file first</source>
        <translation>请先打开一个客户档案</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Customer roster</source>
        <translation>客户名册</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Customers by grade × region: a count matrix, then the list.</source>
        <translation>按等级 × 区域统计客户：先是计数矩阵，然后是名单。</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Follow-up activity</source>
        <translation>跟进活动</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Per salesperson for a period: counts by kind and outcome, a chart.</source>
        <translation>按业务员统计一段时间内的跟进：按方式和结果计数，附图表。</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Overdue follow-ups</source>
        <translation>逾期跟进</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Planned follow-ups past their due date, by salesperson.</source>
        <translation>已过期的计划跟进，按业务员分组。</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Dormant customers</source>
        <translation>休眠客户</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Customers with no follow-up for N days, by grade.</source>
        <translation>N 天未跟进的客户，按等级分组。</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Customer profile</source>
        <translation>客户档案</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>One customer: profile, contacts, follow-ups and recent mail.</source>
        <translation>单个客户：基本资料、联系人、跟进记录和最近邮件。</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Handover</source>
        <translation>移交</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>What moves from whom to whom, with signature lines.</source>
        <translation>从谁移交给谁、移交了什么，附签字栏。</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Dashboard</source>
        <translation>仪表板</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Charts: grades, regions, new customers, follow-ups, the pool.</source>
        <translation>图表：等级、区域、新增客户、跟进、公海。</translation>
    </message>
    <message>
        <location line="+22"/>
        <source>Printing and saving reports needs the export permission; ask an administrator</source>
        <translation>打印和保存报表需要导出权限，请联系管理员</translation>
    </message>
    <message>
        <location line="+26"/>
        <source>(all)</source>
        <translation>（全部）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Prospect</source>
        <translation>潜在</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Active</source>
        <translation>活跃</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Dormant</source>
        <translation>休眠</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Lost</source>
        <translation>流失</translation>
    </message>
    <message>
        <location line="+11"/>
        <source>The public pool</source>
        <translation>公海</translation>
    </message>
    <message>
        <location line="+87"/>
        <source>The period starts after it ends.</source>
        <translation>开始日期晚于结束日期。</translation>
    </message>
    <message>
        <location line="+14"/>
        <source>Generating the report…</source>
        <translation>正在生成报表…</translation>
    </message>
    <message>
        <location line="+15"/>
        <source>{pages} pages, {customers} customers</source>
        <translation>{pages} 页，{customers} 个客户</translation>
    </message>
</context>
<context>
    <name>ReportPreview</name>
    <message>
        <location filename="../../crm_desktop/ui/report_preview.py" line="+102"/>
        <source>−</source>
        <translation>−</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Zoom out (Ctrl+-)</source>
        <translation>缩小（Ctrl+-）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>+</source>
        <translation>+</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Zoom in (Ctrl++)</source>
        <translation>放大（Ctrl++）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Fit width</source>
        <translation>适合宽度</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Page setup…</source>
        <translation>页面设置…</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Print…</source>
        <translation>打印…</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Print the report (Ctrl+P)</source>
        <translation>打印报表（Ctrl+P）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Save as PDF…</source>
        <translation>另存为 PDF…</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Save the report as a PDF file (Ctrl+S)</source>
        <translation>将报表保存为 PDF 文件（Ctrl+S）</translation>
    </message>
    <message>
        <location line="+48"/>
        <source>Page {page} of {pages}</source>
        <translation>第 {page} 页，共 {pages} 页</translation>
    </message>
    <message>
        <location line="+14"/>
        <source>The printer could not be opened.</source>
        <translation>无法打开打印机。</translation>
    </message>
    <message>
        <location line="+18"/>
        <location line="+10"/>
        <source>Print report</source>
        <translation>打印报表</translation>
    </message>
    <message>
        <location line="+19"/>
        <location line="+32"/>
        <source>Save report</source>
        <translation>保存报表</translation>
    </message>
    <message>
        <location line="-31"/>
        <source>PDF files (*.pdf)</source>
        <translation>PDF 文件 (*.pdf)</translation>
    </message>
    <message>
        <location line="+32"/>
        <source>The report could not be saved: {reason}</source>
        <translation>无法保存报表：{reason}</translation>
    </message>
</context>
<context>
    <name>RestoreDialog</name>
    <message>
        <location filename="../../crm_desktop/ui/backup_dialogs.py" line="-278"/>
        <source>Replace the database with the backup {name}{when}?</source>
        <translation>用备份 {name}{when} 替换当前数据库吗？</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>The current file is kept aside as {aside} in {folder}. Everything saved after the backup was made is only in that file. The database is then reopened and you sign in again.</source>
        <translation>当前文件将另存为 {folder} 中的 {aside}。备份之后保存的内容只在该文件中。随后数据库会重新打开，需要重新登录。</translation>
    </message>
    <message>
        <location line="+72"/>
        <location line="+1"/>
        <location line="+94"/>
        <source>Restore from backup</source>
        <translation>从备份恢复</translation>
    </message>
    <message>
        <location line="-89"/>
        <source>Choose the backup to put in place of {database}. The current file is kept aside first, so nothing is lost.</source>
        <translation>选择用来替换 {database} 的备份。当前文件会先另存一份，不会丢失任何数据。</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Made</source>
        <translation>备份时间</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Kind</source>
        <translation>类型</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Size</source>
        <translation>大小</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>File</source>
        <translation>文件</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>No backups in {folder} yet.</source>
        <translation>{folder} 中还没有备份。</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Other file…</source>
        <translation>其他文件…</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Restore…</source>
        <translation>恢复…</translation>
    </message>
    <message>
        <location line="+8"/>
        <location line="+19"/>
        <source>{file} (incomplete)</source>
        <translation>{file}（不完整）</translation>
    </message>
    <message>
        <location line="+27"/>
        <source>Choose a backup</source>
        <translation>选择备份文件</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>SQLite databases (*.sqlite3 *.sqlite *.db);;All files (*)</source>
        <translation>SQLite 数据库 (*.sqlite3 *.sqlite *.db);;所有文件 (*)</translation>
    </message>
    <message>
        <location line="+28"/>
        <source>Restore</source>
        <translation>恢复</translation>
    </message>
</context>
<context>
    <name>SettingsDialog</name>
    <message>
        <location filename="../../crm_desktop/ui/settings_dialog.py" line="+192"/>
        <source>Backup</source>
        <translation>备份</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Backup folder:</source>
        <translation>备份文件夹：</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Choose…</source>
        <translation>选择…</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Keep:</source>
        <translation>保留：</translation>
    </message>
    <message>
        <location line="+1"/>
        <source> backups</source>
        <translation> 份备份</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Back up:</source>
        <translation>自动备份：</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>when the app closes</source>
        <translation>关闭程序时</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>once a day</source>
        <translation>每天一次</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Last backup:</source>
        <translation>上次备份：</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>never</source>
        <translation>从未</translation>
    </message>
    <message>
        <location line="+24"/>
        <source>Backup folder</source>
        <translation>备份文件夹</translation>
    </message>
    <message>
        <location line="+11"/>
        <location line="+1"/>
        <source>Settings</source>
        <translation>设置</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Same as the system ({language})</source>
        <translation>跟随系统（{language}）</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Language:</source>
        <translation>语言：</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>The new language applies at once to every window.</source>
        <translation>新语言会立即应用到所有窗口。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Database:</source>
        <translation>数据库：</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Log folder:</source>
        <translation>日志文件夹：</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Open</source>
        <translation>打开</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Settings file:</source>
        <translation>设置文件：</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Mail:</source>
        <translation>邮件：</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Mail accounts…</source>
        <translation>邮箱账户…</translation>
    </message>
</context>
<context>
    <name>ShortcutsDialog</name>
    <message>
        <location filename="../../crm_desktop/ui/shortcuts_dialog.py" line="+189"/>
        <source>Keyboard shortcuts</source>
        <translation>键盘快捷键</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Filter by action or key, e.g. customer</source>
        <translation>按操作或按键筛选，例如：客户</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Action</source>
        <translation>操作</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Shortcut</source>
        <translation>快捷键</translation>
    </message>
    <message>
        <location line="+57"/>
        <source>No shortcut matches “{text}”.</source>
        <translation>没有与“{text}”匹配的快捷键。</translation>
    </message>
</context>
<context>
    <name>TimelineModel</name>
    <message>
        <location filename="../../crm_desktop/ui/timeline.py" line="+93"/>
        <source>Email: {subject}</source>
        <translation>邮件：{subject}</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>(no subject)</source>
        <translation>（无主题）</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Owner changed: {old} → {new}</source>
        <translation>负责人变更：{old} → {new}</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Owner: {new}</source>
        <translation>负责人：{new}</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Back to the public pool</source>
        <translation>退回公海</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>{kind} with {contact}</source>
        <translation>{kind}（{contact}）</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>due {when}</source>
        <translation>{when} 到期</translation>
    </message>
    <message>
        <location line="+15"/>
        <source>Overdue</source>
        <translation>已逾期</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Planned</source>
        <translation>计划中</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Lost reason: {reason}</source>
        <translation>失败原因：{reason}</translation>
    </message>
</context>
<context>
    <name>TimelineTab</name>
    <message>
        <location filename="../../crm_desktop/ui/customer_file.py" line="-439"/>
        <location filename="../../crm_desktop/ui/timeline.py" line="+229"/>
        <location line="+2"/>
        <source>Log follow-up…</source>
        <translation>记录跟进…</translation>
    </message>
    <message>
        <location filename="../../crm_desktop/ui/timeline.py" line="-1"/>
        <source>Log a call, visit, meeting… (Ctrl+L)</source>
        <translation>记录电话、拜访、会议等（Ctrl+L）</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Plan follow-up…</source>
        <translation>计划跟进…</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Mark done…</source>
        <translation>标记完成…</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Edit…</source>
        <translation>编辑…</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Delete</source>
        <translation>删除</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>No follow-ups yet.
Log the first call, visit or meeting with Ctrl+L, or plan one so that you are reminded when it falls due.</source>
        <translation>还没有跟进记录。
按 Ctrl+L 记录第一次电话、拜访或会议；也可以计划一次跟进，到期时会提醒您。</translation>
    </message>
    <message>
        <location line="+153"/>
        <source>Delete this planned follow-up ({kind}, due {when})?</source>
        <translation>删除这条计划跟进（{kind}，{when} 到期）？</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Delete this follow-up ({kind}, {when})? The audit log keeps a record.</source>
        <translation>删除这条跟进记录（{kind}，{when}）？操作日志中会保留记录。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Delete follow-up</source>
        <translation>删除跟进记录</translation>
    </message>
</context>
<context>
    <name>TodayModel</name>
    <message>
        <location filename="../../crm_desktop/ui/today_page.py" line="+139"/>
        <source>Done…</source>
        <translation>完成…</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Open</source>
        <translation>打开</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Log follow-up…</source>
        <translation>记录跟进…</translation>
    </message>
    <message>
        <location line="+21"/>
        <source>Due</source>
        <translation>到期</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Customer</source>
        <translation>客户</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Kind</source>
        <translation>方式</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Contact</source>
        <translation>联系人</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Note</source>
        <translation>备注</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Owner</source>
        <translation>负责人</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Returns on</source>
        <translation>退回日期</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Grade</source>
        <translation>等级</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Last activity</source>
        <translation>最后活动</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Last follow-up</source>
        <translation>最后跟进</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Without follow-up</source>
        <translation>未跟进</translation>
    </message>
    <message>
        <location line="+64"/>
        <source>never</source>
        <translation>从未</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>1 day</source>
        <translation>1 天</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>{count} days</source>
        <translation>{count} 天</translation>
    </message>
</context>
<context>
    <name>TodayPage</name>
    <message>
        <location line="+366"/>
        <source>Mine</source>
        <translation>我的</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>All branches</source>
        <translation>全部分公司</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>My branch</source>
        <translation>本分公司</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Whose follow-ups and customers to show</source>
        <translation>显示谁的跟进和客户</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Refresh</source>
        <translation>刷新</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Read the follow-ups again (F5)</source>
        <translation>重新读取跟进（F5）</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>All caught up</source>
        <translation>全部处理完毕</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Nothing is overdue or due in the next 7 days, no customer is about to return to the public pool and none is dormant.</source>
        <translation>没有逾期或未来 7 天内到期的跟进，没有即将退回公海的客户，也没有沉睡客户。</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Whenever you log a follow-up, plan the next one: it appears here on its day and a reminder pops up when it falls due.</source>
        <translation>每次记录跟进时，顺便计划下次跟进：到了那一天它会出现在这里，到期时还会弹出提醒。</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Loading…</source>
        <translation>正在加载…</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Updated {time}</source>
        <translation>{time} 更新</translation>
    </message>
</context>
<context>
    <name>TodaySection</name>
    <message>
        <location line="-205"/>
        <source>Overdue</source>
        <translation>已逾期</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Due today</source>
        <translation>今天到期</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Next 7 days</source>
        <translation>未来 7 天</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>About to return to the public pool</source>
        <translation>即将退回公海</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Dormant customers</source>
        <translation>沉睡客户</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Nothing overdue.</source>
        <translation>没有逾期的跟进。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Nothing is due today.</source>
        <translation>今天没有到期的跟进。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Nothing planned for the next 7 days.</source>
        <translation>未来 7 天没有计划的跟进。</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>No customer is about to return to the public pool: all were followed up in time.</source>
        <translation>没有即将退回公海的客户：所有客户都已按时跟进。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>No dormant customers: every customer was followed up recently.</source>
        <translation>没有沉睡客户：每个客户最近都有跟进。</translation>
    </message>
</context>
<context>
    <name>UserDialog</name>
    <message>
        <location filename="../../crm_desktop/ui/users_tab.py" line="+46"/>
        <source>Add user</source>
        <translation>添加用户</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Login:</source>
        <translation>登录名：</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Display name:</source>
        <translation>显示名称：</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Role:</source>
        <translation>角色：</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Branch:</source>
        <translation>分公司：</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Email:</source>
        <translation>邮箱：</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>e.g. li.na</source>
        <translation>例如 li.na</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>e.g. Li Na</source>
        <translation>例如 李娜</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>(none)</source>
        <translation>（无）</translation>
    </message>
    <message>
        <location line="+10"/>
        <source>On a shared server the login becomes a database login with this password. Tell the person their password in person; they can change it later.</source>
        <translation>在共享服务器上，该登录名会成为使用此密码的数据库登录。请当面告知本人密码；之后可自行修改。</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Sales</source>
        <translation>销售</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Manager</source>
        <translation>经理</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Administrator</source>
        <translation>管理员</translation>
    </message>
    <message>
        <location line="+22"/>
        <source>Use 2 to 63 lower-case letters, digits, “.”, “_” or “-”, starting with a letter.</source>
        <translation>请使用 2 到 63 个小写字母、数字、“.”、“_”或“-”，并以字母开头。</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Enter the name other users will see.</source>
        <translation>请输入其他用户看到的名称。</translation>
    </message>
</context>
<context>
    <name>UserPage</name>
    <message>
        <location filename="../../crm_desktop/ui/handover_wizard.py" line="-90"/>
        <source>Who is leaving?</source>
        <translation>谁要离职？</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Their customers go to colleagues or the public pool; then the login is off.</source>
        <translation>其客户交给同事或放入公海，然后停用登录。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Departing user:</source>
        <translation>离职人员：</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>Next you see everything they own: customers by grade and region, planned follow-ups and mail. Then you choose who takes what. Nothing changes before you press “Hand over” on the last page; history (done follow-ups, earlier owners) always stays.</source>
        <translation>下一步会列出此人名下的全部内容：按等级和地区统计的客户、计划跟进和邮件。然后选择由谁接收哪些客户。在最后一页按“交接”之前不会有任何改动；历史记录（已完成的跟进、以前的负责人）始终保留。</translation>
    </message>
</context>
<context>
    <name>UsersTab</name>
    <message>
        <location filename="../../crm_desktop/ui/users_tab.py" line="+97"/>
        <source>Sales</source>
        <translation>销售</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Manager</source>
        <translation>经理</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Administrator</source>
        <translation>管理员</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>Everyone who may sign in. Disabling a login first hands the person&apos;s customers over (离职交接): to colleagues by grade, by region or one by one, or to the public pool.</source>
        <translation>所有可以登录的人。停用登录前先办理离职交接：把此人的客户按等级、按地区或逐个交给同事，或放入公海。</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Login</source>
        <translation>登录名</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Name</source>
        <translation>名称</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Role</source>
        <translation>角色</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Branch</source>
        <translation>分公司</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Active</source>
        <translation>启用</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Add user…</source>
        <translation>添加用户…</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Reset password…</source>
        <translation>重置密码…</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Disable and hand over…</source>
        <translation>停用并交接…</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Hand this person&apos;s customers over, then disable the login</source>
        <translation>先交接此人的客户，再停用其登录</translation>
    </message>
    <message>
        <location line="+30"/>
        <source>yes</source>
        <translation>是</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>disabled</source>
        <translation>已停用</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>{active} active of {total} users</source>
        <translation>{total} 个用户中 {active} 个启用</translation>
    </message>
    <message>
        <location line="+35"/>
        <source>Added {name} ({login}).</source>
        <translation>已添加 {name}（{login}）。</translation>
    </message>
    <message>
        <location line="+27"/>
        <source>The password of {name} was reset.</source>
        <translation>已重置 {name} 的密码。</translation>
    </message>
</context>
<context>
    <name>_PlainMessageView</name>
    <message>
        <location filename="../../crm_desktop/ui/mail_page.py" line="-1011"/>
        <source>From: {value}</source>
        <translation>发件人：{value}</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>To: {value}</source>
        <translation>收件人：{value}</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Subject: {value}</source>
        <translation>主题：{value}</translation>
    </message>
</context>
</TS>
