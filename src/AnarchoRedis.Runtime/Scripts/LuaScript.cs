using System;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Security.Cryptography;
using System.Collections.Generic;
using System.Text;
using System.Text.RegularExpressions;

namespace AnarchoRedis;

/// <summary>One of the library's Lua scripts: fixed text (an embedded <c>.lua</c> resource) and its SHA1 for EVALSHA.</summary>
internal sealed partial class LuaScript
{
    private LuaScript(string name, string text, LuaScript? batch = null)
    {
        Name = name;
        Text = text;
        Sha1 = SHA1.HashData(Encoding.UTF8.GetBytes(text));
        Batch = batch;
    }

    /// <summary>The status a batch driver returns for a call whose script raised an error: <c>{-100, message}</c>.</summary>
    public const long BatchErrorCode = -100;

    public static LuaScript ValueWrite { get; } = Load("value_write", batchable: true, "version_common", "slot_common");

    public static LuaScript ValueRead { get; } = Load("value_read", batchable: true);

    public static LuaScript ListPush { get; } = Load("list_push", "version_common", "slot_common", "list_common");

    public static LuaScript ListRead { get; } = Load("list_read", "version_common", "slot_common", "list_common");

    public static LuaScript ListRemove { get; } = Load("list_remove", "version_common", "slot_common", "list_common");

    public static LuaScript ListClaim { get; } = Load("list_claim", "version_common", "slot_common", "list_common");

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

    /// <summary>epoch_probe.lua: a Redis Cluster slot's epoch and the server's run id, read without a change.</summary>
    public static LuaScript EpochProbe { get; } = Load("epoch_probe", "epoch_common");

    /// <summary>epoch_refill.lua: a Redis Cluster slot's epoch made filling when it is gone, or the server restarted.</summary>
    public static LuaScript EpochRefill { get; } = Load("epoch_refill", "epoch_common");

    public static LuaScript HintDelete { get; } = Load("hint_delete");

    /// <summary>evicted_keys.lua: the node's evicted_keys, or -1 when it does not say.</summary>
    public static LuaScript EvictedKeys { get; } = Load("evicted_keys");

    /// <summary>acl_check.lua: which of the commands in ARGV the node's Redis user may not run (checked at connect).</summary>
    public static LuaScript AclCheck { get; } = Load("acl_check");

    /// <summary>
    /// Every command the library's scripts call (<c>redis.call</c>, <c>redis.pcall</c>), upper case and sorted, read from
    /// the scripts themselves so that the connect-time permission check cannot miss one. INFO is left out: the scripts
    /// ask for it with <c>redis.pcall</c> and do without it (see docs/security.md).
    /// </summary>
    public static IReadOnlyList<string> CalledCommands { get; } = ReadCalledCommands();

    public string Name { get; }

    public string Text { get; }

    public byte[] Sha1 { get; }

    /// <summary>
    /// The script's batch form (ScriptBatcher), or null: the same script body as a function of its own KEYS and ARGV,
    /// run once per call by a driver that takes every call's keys and arguments in turn (ARGV[1] = n calls, then each
    /// call's key and argument counts, then the arguments) and returns one reply per call. Each call runs in a
    /// protected call: an error it raises (OOM on a write, say) becomes its own reply <c>{-100, message}</c>, and the
    /// calls after it still run, as they would have alone.
    /// </summary>
    public LuaScript? Batch { get; }

    /// <summary>Loads a script; <paramref name="preludes"/> name files of shared functions prepended to it, in order (Redis has no include).</summary>
    private static LuaScript Load(string name, params string[] preludes) => Load(name, batchable: false, preludes);

    private static LuaScript Load(string name, bool batchable, params string[] preludes)
    {
        var shared = string.Concat(preludes.Select(Resource));
        var body = Resource(name);
        var batch = batchable ? new LuaScript(name + "_batch", shared + "local function call(KEYS, ARGV)\n" + body + "\nend\n" + BatchDriver) : null;
        return new LuaScript(name, shared + body, batch);
    }

    private const string BatchDriver = """
        local n = tonumber(ARGV[1])
        local replies = {}
        local k, a = 1, 2 + 2 * n
        for i = 1, n do
          local nk, na = tonumber(ARGV[2 * i]), tonumber(ARGV[2 * i + 1])
          local keys, args = {}, {}
          for j = 1, nk do keys[j] = KEYS[k + j - 1] end
          for j = 1, na do args[j] = ARGV[a + j - 1] end
          k, a = k + nk, a + na
          local ok, reply = pcall(call, keys, args)
          if not ok then
            replies[i] = {-100, type(reply) == 'table' and reply.err or tostring(reply)}
          elseif type(reply) == 'table' and reply.err then
            replies[i] = {-100, reply.err}
          else
            replies[i] = reply
          end
        end
        return replies
        """;

    private static string[] ReadCalledCommands()
    {
        var assembly = Assembly.GetExecutingAssembly();
        var commands = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var resource in assembly.GetManifestResourceNames().Where(r => r.EndsWith(".lua", StringComparison.Ordinal)))
        {
            foreach (Match match in CalledCommand().Matches(Resource(resource["AnarchoRedis.Scripts.".Length..^".lua".Length])))
            {
                commands.Add(match.Groups[1].Value.ToUpperInvariant());
            }
        }

        commands.Remove("INFO");
        return [.. commands];
    }

    [GeneratedRegex(@"redis\.p?call\(\s*'([A-Za-z]+)'")]
    private static partial Regex CalledCommand();

    private static string Resource(string name)
    {
        var resource = $"AnarchoRedis.Scripts.{name}.lua";
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream(resource)
            ?? throw new InvalidOperationException($"The embedded script {resource} is missing from the build.");
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return reader.ReadToEnd();
    }
}
