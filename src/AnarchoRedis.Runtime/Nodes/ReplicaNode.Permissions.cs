using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using StackExchange.Redis;

namespace AnarchoRedis;

/// <summary>
/// The connect-time ACL check (acl_check.lua): whether the node's Redis user may run every command the library sends.
/// Redis checks a command inside a script only when the script reaches it and keeps the writes made before it, so a
/// user that may SET but not HSET would leave a value without its meta. A node whose user lacks a command therefore
/// gets no script at all: each call fails at once with the refusal (an error reply, as a NOPERM from the server would
/// be), until a check passes again (every probe interval while refused, and after every reconnection).
/// </summary>
internal sealed partial class ReplicaNode
{
    private const int PermissionsAllowed = 0;
    private const int PermissionsUnchecked = 1;
    private const int PermissionsRefused = 2;

    /// <summary>Nodes over channels (benchmarks) have nothing to check: allowed from the start.</summary>
    private readonly PermissionCheck? _permissionCheck;
    private int _permissions = PermissionsAllowed;
    private string? _refusal;
    private Task? _checking;
    private long _checkedAt;

    /// <summary>Runs the check now (or joins the one under way); never throws. Nothing is checked while the node is not connected.</summary>
    internal Task CheckPermissionsAsync()
    {
        if (_permissionCheck is null || !IsConnected)
        {
            return Task.CompletedTask;
        }

        var running = Volatile.Read(ref _checking);
        if (running is { IsCompleted: false })
        {
            return running;
        }

        var check = RunCheckAsync(_permissionCheck);
        var previous = Interlocked.CompareExchange(ref _checking, check, running);
        return ReferenceEquals(previous, running) ? check : previous!;
    }

    private async Task<RedisResult> EvaluateCheckedAsync(LuaScript script, RedisKey[] keys, RedisValue[] values)
    {
        if (Volatile.Read(ref _permissions) == PermissionsUnchecked)
        {
            await CheckPermissionsAsync().ConfigureAwait(false);
        }
        else if (Stopwatch.GetElapsedTime(Volatile.Read(ref _checkedAt)) >= _permissionCheck!.RecheckInterval)
        {
            // Refused: look again in the background (the ACL may have been fixed); this call still fails.
            _ = CheckPermissionsAsync();
        }

        if (Volatile.Read(ref _permissions) == PermissionsRefused && _refusal is { } refusal)
        {
            throw new RedisServerException(RedisErrorKind.NoPermission, CommandFlags.None, refusal);
        }

        return await _channel.EvaluateAsync(script, keys, values).ConfigureAwait(false);
    }

    private async Task RunCheckAsync(PermissionCheck check)
    {
        await Task.Yield();
        string? refusal;
        if (_epochKeys is null)
        {
            refusal = await CheckOnAsync(check, check.Keys, shard: null).ConfigureAwait(false);
        }
        else
        {
            // A cluster node: each shard has its own users (ACLs are not shared across a cluster), so each is checked,
            // by a script routed to it through a key of its own (its first slot's epoch key); a refusal by any shard
            // refuses the node. With no shard known yet, slot 0's.
            var shards = Shards;
            var checks = shards.Count == 0
                ? [CheckOnAsync(check, [_epochKeys.Marker(0)], shard: null)]
                : shards.Select(s => CheckOnAsync(check, [_epochKeys.Marker(s.Slots[0].From)], s.Name)).ToArray();
            var refusals = await Task.WhenAll(checks).ConfigureAwait(false);
            refusal = refusals.FirstOrDefault(r => r is not null);
        }

        _refusal = refusal;
        Volatile.Write(ref _checkedAt, Stopwatch.GetTimestamp());
        Volatile.Write(ref _permissions, refusal is null ? PermissionsAllowed : PermissionsRefused);
    }

    /// <summary>Runs acl_check.lua on the shard that owns <paramref name="keys"/>: the refusal's message, or null.</summary>
    private async Task<string?> CheckOnAsync(PermissionCheck check, RedisKey[] keys, string? shard)
    {
        var on = shard is null ? string.Empty : $" (on shard {shard})";
        try
        {
            // Straight to the channel: not recorded in Health (a check that times out must not count toward the circuit).
            RedisResult result;
            try
            {
                result = await _channel.EvaluateAsync(LuaScript.AclCheck, keys, check.Commands).ConfigureAwait(false);
            }
            catch (RedisServerException ex) when (IsNoScript(ex))
            {
                await _channel.LoadAsync(LuaScript.AclCheck).ConfigureAwait(false);
                result = await _channel.EvaluateAsync(LuaScript.AclCheck, keys, check.Commands).ConfigureAwait(false);
            }

            if (result.Resp2Type == ResultType.Array && (RedisResult[]?)result is { Length: > 0 } refused)
            {
                var names = refused.Select(r => ((string?)r ?? string.Empty).ToLowerInvariant()).ToArray();
                return $"NOPERM this user has no permissions to run the '{names[0]}' command{(names.Length > 1 ? $" (nor {string.Join(", ", names.Skip(1))})" : string.Empty)}{on}, which the library's scripts call: found by AnarchoRedis' check, so no script is sent to this node until its user may run every command docs/security.md lists";
            }
        }
        catch (RedisServerException ex) when (NodePermissionException.Classify(ex, Name, "evalsha") is NodePermissionException)
        {
            return ex.Message + on;
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            // Not a refusal (a slow node, a server without ACLs): the operations' own errors will say what is wrong.
        }

        return null;
    }

    /// <summary>What the check sends: the commands (every one the scripts call, and those sent directly) and the key.</summary>
    private sealed class PermissionCheck
    {
        public PermissionCheck(AnarchoRedisOptions options)
        {
            var commands = new List<RedisValue> { "PING", "SCAN", "SCRIPT|LOAD" };
            commands.AddRange(LuaScript.CalledCommands.Select(c => (RedisValue)c));
            if (options.Hints.Enabled && options.Hints.Durable)
            {
                commands.Add("XADD");
                commands.Add("XRANGE");
            }

            Commands = [.. commands];
            Keys = [options.EpochKey];
            RecheckInterval = options.Health.ProbeInterval;
        }

        public RedisValue[] Commands { get; }

        /// <summary>
        /// The epoch key: one every user of the library may use, so only the commands are checked (on a cluster node,
        /// a slot's epoch key instead: <see cref="RunCheckAsync"/>).
        /// </summary>
        public RedisKey[] Keys { get; }

        public TimeSpan RecheckInterval { get; }
    }
}
