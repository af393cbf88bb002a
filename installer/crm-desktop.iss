; Inno Setup script: the Windows installer of crm-desktop (DESIGN §14). Needs Inno Setup 6.3 or
; newer (x64compatible, UTF-8 script without BOM). Normally run by the build script:
;
;     python installer/build.py --installer
;
; which builds dist\crm-desktop\ with PyInstaller first and then calls
;
;     ISCC.exe /DAppVersion=0.1.0 /DAppNumericVersion=0.1.0.0 /DBundleDir=...\dist\crm-desktop
;              /DOutputDir=...\dist installer\crm-desktop.iss
;
; Per-user install (no administrator rights, no UAC prompt) into
; %LOCALAPPDATA%\Programs\crm-desktop, a Start-menu shortcut, an optional desktop shortcut, no
; file associations. The user's database, settings, logs and backups live in the user data
; folder (platformdirs: %LOCALAPPDATA%\crm-desktop\crm-desktop), never in the install folder, so
; an upgrade or an uninstall keeps them; the uninstaller removes them only when asked to.

#ifndef AppVersion
  #error Pass the version: ISCC /DAppVersion=0.1.0 installer\crm-desktop.iss (build.py does)
#endif
; VersionInfoVersion only takes up to four numbers; build.py passes them.
#ifndef AppNumericVersion
  #define AppNumericVersion AppVersion
#endif
; Relative paths are relative to this script's folder.
#ifndef BundleDir
  #define BundleDir "..\dist\crm-desktop"
#endif
#ifndef OutputDir
  #define OutputDir "..\dist"
#endif
#define AppName "crm-desktop"
#define AppExe "crm-desktop.exe"
; The folder platformdirs gives the app on Windows: %LOCALAPPDATA%\<author>\<name>
; (crm_desktop.core.paths with APP_AUTHOR = APP_NAME = "crm-desktop"): data, config, Logs,
; backups and Qt's cache all live below it.
#define UserDataDir "{localappdata}\crm-desktop\crm-desktop"
#define UserDataParent "{localappdata}\crm-desktop"

; Simplified Chinese is not among the languages Inno Setup installs: ChineseSimplified.isl is
; one of the translations maintained by its users (https://jrsoftware.org/files/istrans/).
; Use it when it was put into the compiler's Languages folder or beside this script;
; otherwise the installer is English only (the app itself still follows the system language).
#if FileExists(AddBackslash(CompilerPath) + "Languages\ChineseSimplified.isl")
  #define ChineseMessages "compiler:Languages\ChineseSimplified.isl"
#elif FileExists(AddBackslash(SourcePath) + "ChineseSimplified.isl")
  #define ChineseMessages AddBackslash(SourcePath) + "ChineseSimplified.isl"
#else
  #pragma warning "ChineseSimplified.isl not found: building an English-only installer"
#endif

[Setup]
; Never change the AppId: Windows finds the installed copy (upgrade, uninstall) by it.
AppId={{97CE38CC-6E83-452A-90BE-DF7C064DCE14}
AppName={#AppName}
AppVersion={#AppVersion}
AppVerName={#AppName} {#AppVersion}
AppPublisher=crm-desktop developers
VersionInfoVersion={#AppNumericVersion}
VersionInfoProductName={#AppName}
; Per user: {autopf} is then %LOCALAPPDATA%\Programs, {autoprograms} the user's Start menu.
PrivilegesRequired=lowest
DefaultDirName={autopf}\{#AppName}
DefaultGroupName={#AppName}
DisableProgramGroupPage=yes
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
OutputDir={#OutputDir}
OutputBaseFilename={#AppName}-{#AppVersion}-setup
SetupIconFile=..\resources\icons\app.ico
UninstallDisplayIcon={app}\{#AppExe}
UninstallDisplayName={#AppName}
WizardStyle=modern
Compression=lzma2/max
SolidCompression=yes
; The app holds this named mutex while it runs (crm_desktop.core.app_mutex.APP_MUTEX, kept equal
; by a test): Setup and the uninstaller then ask the user to close it (OK once closed, or Cancel)
; before they touch its files, so the user saves their work rather than losing it.
AppMutex=crm-desktop-97CE38CC-6E83-452A-90BE-DF7C064DCE14
; A copy started after that question still holds files: Setup offers to close it through the
; Restart Manager, which asks it to quit like a logoff would (never force: unsaved edits). The
; app does not register with RegisterApplicationRestart, so Setup could not restart it; the
; [Run] entry offers to start the new version instead.
CloseApplications=yes
RestartApplications=no
ShowLanguageDialog=auto

[Languages]
Name: "en"; MessagesFile: "compiler:Default.isl"
#ifdef ChineseMessages
Name: "zh_CN"; MessagesFile: "{#ChineseMessages}"
#endif

[CustomMessages]
en.RemoveDataQuestion=Also remove your crm-desktop data from this computer?%n%nThis deletes the local database, its backups, your settings and the logs in%n%1%n%nChoose No to keep them (for example to reinstall later). A database on a company server and databases you keep elsewhere are not touched either way.
en.RemoveDataFailed=Some files in %1 could not be removed. Delete the folder by hand once crm-desktop is closed.
#ifdef ChineseMessages
zh_CN.RemoveDataQuestion=是否同时删除本机上的 crm-desktop 数据？%n%n这将删除以下文件夹中的本地数据库、备份、设置和日志：%n%1%n%n选择“否”将保留它们（例如以后重新安装时使用）。公司服务器上的数据库和您存放在其他位置的数据库在任何情况下都不会被删除。
zh_CN.RemoveDataFailed=%1 中的部分文件未能删除。请在关闭 crm-desktop 后手动删除该文件夹。
#endif

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked

[InstallDelete]
; An upgrade replaces the whole bundle: files a newer build no longer has must not linger.
Type: filesandordirs; Name: "{app}\_internal"

[Files]
Source: "{#BundleDir}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{autoprograms}\{#AppName}"; Filename: "{app}\{#AppExe}"
Name: "{autodesktop}\{#AppName}"; Filename: "{app}\{#AppExe}"; Tasks: desktopicon

[Run]
Filename: "{app}\{#AppExe}"; Description: "{cm:LaunchProgram,{#AppName}}"; Flags: nowait postinstall skipifsilent

[UninstallDelete]
; Python writes __pycache__ beside the migration scripts Alembic loads from the bundle: files the
; uninstaller did not install and would otherwise leave behind.
Type: filesandordirs; Name: "{app}\_internal"

[Code]
{ The user's data is kept on uninstall unless the user says otherwise: a question in an
  interactive uninstall (default No), or /REMOVEDATA on the command line of a silent one
  (unins000.exe /VERYSILENT /REMOVEDATA).
  Saved passwords of company-server connections are in the Windows Credential Manager (Python
  keyring, one entry per server and login); Inno Setup cannot enumerate them, so they stay. They
  are listed under Control Panel > Credential Manager > Windows Credentials. }

function HasCommandLineSwitch(const Switch: String): Boolean;
var
  I: Integer;
begin
  Result := False;
  for I := 1 to ParamCount do
    if CompareText(ParamStr(I), Switch) = 0 then
    begin
      Result := True;
      Exit;
    end;
end;

function ShouldRemoveUserData(const Folder: String): Boolean;
begin
  if UninstallSilent then
    Result := HasCommandLineSwitch('/REMOVEDATA')
  else
    Result := MsgBox(FmtMessage(CustomMessage('RemoveDataQuestion'), [Folder]),
      mbConfirmation, MB_YESNO or MB_DEFBUTTON2) = IDYES;
end;

procedure CurUninstallStepChanged(CurUninstallStep: TUninstallStep);
var
  Folder: String;
begin
  if CurUninstallStep <> usPostUninstall then
    Exit;
  Folder := ExpandConstant('{#UserDataDir}');
  if not DirExists(Folder) then
    Exit;
  if not ShouldRemoveUserData(Folder) then
    Exit;
  if not DelTree(Folder, True, True, True) then
  begin
    if not UninstallSilent then
      MsgBox(FmtMessage(CustomMessage('RemoveDataFailed'), [Folder]), mbError, MB_OK);
  end
  else
    { The author folder above it holds nothing else of ours: remove it when empty. }
    RemoveDir(ExpandConstant('{#UserDataParent}'));
end;
