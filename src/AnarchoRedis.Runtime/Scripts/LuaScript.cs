using System;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Security.Cryptography;
using System.Text;

namespace AnarchoRedis;

/// <summary>One of the library's Lua scripts: fixed text (an embedded <c>.lua</c> resource) and its SHA1 for EVALSHA.</summary>
internal sealed class LuaScript
{
    private LuaScript(string name, string text)
    {
        Name = name;
        Text = text;
        Sha1 = SHA1.HashData(Encoding.UTF8.GetBytes(text));
    }

    public static LuaScript ValueWrite { get; } = Load("value_write", "version_common", "slot_common");

    public static LuaScript ValueRead { get; } = Load("value_read");

    public static LuaScript ListPush { get; } = Load("list_push", "version_common", "slot_common", "list_common");

    public static LuaScript ListRead { get; } = Load("list_read", "version_common", "slot_common", "list_common");

    public static LuaScript ListRemove { get; } = Load("list_remove", "version_common", "slot_common", "list_common");

    public static LuaScript ListReplace { get; } = Load("list_replace", "version_common", "slot_common", "list_common");

    public static LuaScript ListDelete { get; } = Load("list_delete", "version_common", "slot_common", "list_common");

    public static LuaScript ListPurge { get; } = Load("list_purge", "version_common", "slot_common", "list_common");

    public static LuaScript ValuePurge { get; } = Load("value_purge", "slot_common");

    public static LuaScript IndexDrop { get; } = Load("index_drop", "slot_common");

    public static LuaScript SlotSettle { get; } = Load("slot_settle", "slot_common");

    public static LuaScript EpochEnsure { get; } = Load("epoch_ensure", "epoch_common");

    public static LuaScript EpochReady { get; } = Load("epoch_ready", "epoch_common");

    /// <summary>epoch_check.lua: reads the epoch and turns a ready one filling when the server restarted (another run id).</summary>
    public static LuaScript EpochCheck { get; } = Load("epoch_check", "epoch_common");

    public static LuaScript HintDelete { get; } = Load("hint_delete");

    public string Name { get; }

    public string Text { get; }

    public byte[] Sha1 { get; }

    /// <summary>Loads a script; <paramref name="preludes"/> name files of shared functions prepended to it, in order (Redis has no include).</summary>
    private static LuaScript Load(string name, params string[] preludes) =>
        new(name, string.Concat(preludes.Select(Resource)) + Resource(name));

    private static string Resource(string name)
    {
        var resource = $"AnarchoRedis.Scripts.{name}.lua";
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream(resource)
            ?? throw new InvalidOperationException($"The embedded script {resource} is missing from the build.");
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return reader.ReadToEnd();
    }
}
