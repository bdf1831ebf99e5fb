using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using AnarchoRedis.IntegrationTests.Infrastructure;
using AnarchoRedis.Testing;
using StackExchange.Redis;

namespace AnarchoRedis.IntegrationTests.Security;

/// <summary>
/// TLS-only redis-server nodes that require a client certificate, behind the kit's proxies, with the least-privilege
/// ACL user of docs/security.md: the rule is read from the page itself, so the tests run as exactly the user it documents.
/// </summary>
internal static class SecureCluster
{
    /// <summary>The ACL user's name in docs/security.md.</summary>
    public const string User = "anarcho";

    /// <summary>The password the tests give the user (the page's <c>CHANGE-ME</c>).</summary>
    public const string Password = "tls-acl-test-password";

    /// <summary>The key patterns of this project's test models, standing for the page's <c>~app:*</c>.</summary>
    public static readonly string[] AppKeyPatterns = ["~profile:*", "~chat:*"];

    /// <summary>The <c>ACL SETUSER</c> line of docs/security.md, exactly as written there.</summary>
    public static string DocumentedRule { get; } = ReadDocumentedRule();

    /// <summary>The documented rule's arguments (after <c>ACL SETUSER</c>), with this project's keys and password.</summary>
    /// <param name="change">Edits to the rule's arguments, for users that lack something.</param>
    /// <returns>One line of <c>ACL SETUSER</c> arguments.</returns>
    public static string Rule(Func<IEnumerable<string>, IEnumerable<string>>? change = null)
    {
        var parts = DocumentedRule["ACL SETUSER ".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .SelectMany(p => p == "~app:*" ? AppKeyPatterns : [p == ">CHANGE-ME" ? ">" + Password : p]);
        return string.Join(' ', change is null ? parts : change(parts));
    }

    /// <summary>Starts three TLS-only nodes (client certificates required) that know the user <paramref name="rule"/> defines.</summary>
    /// <param name="certificates">The CA and certificates.</param>
    /// <param name="rule">The user's ACL SETUSER arguments; default: the documented rule.</param>
    /// <returns>The cluster.</returns>
    public static Task<LocalCluster> StartAsync(LocalCertificates certificates, string? rule = null)
    {
        var options = new LocalClusterOptions { NodeCount = 3, Tls = certificates, RequireClientCertificate = true };
        options.AclUsers.Add(rule ?? Rule());
        return LocalCluster.StartAsync(options);
    }

    /// <summary>Client options for the cluster: TLS with the kit's CA and client certificate, logged in as the documented user.</summary>
    /// <param name="cluster">The cluster.</param>
    /// <param name="configure">Further settings.</param>
    /// <returns>The options.</returns>
    public static AnarchoRedisOptions ClientOptions(LocalCluster cluster, Action<AnarchoRedisOptions>? configure = null) =>
        cluster.CreateOptions(o =>
        {
            o.NodeTimeout = RedisCluster.DefaultNodeTimeout;
            o.Connection.User = User;
            o.Connection.Password = Password;
            configure?.Invoke(o);
        });

    /// <summary>
    /// The commands a node refused since it started, from <c>ACL LOG</c> (lower case, <c>script|load</c> form), without
    /// StackExchange.Redis's connect-time probes the rule leaves out on purpose (CONFIG GET, CLUSTER NODES/SLOTS).
    /// </summary>
    /// <param name="node">The node.</param>
    /// <returns>Each refused command or key, with its reason.</returns>
    public static async Task<List<string>> UnexpectedRefusalsAsync(LocalNode node)
    {
        var entries = (RedisResult[])(await node.Db.ExecuteAsync("ACL", "LOG"))!;
        var refused = new List<string>();
        foreach (var entry in entries)
        {
            var fields = ((RedisResult[])entry!).Chunk(2).ToDictionary(p => (string)p[0]!, p => p[1].ToString());
            var what = fields["object"];
            if (fields["reason"] == "command" && what is "config|get" or "cluster|nodes" or "cluster|slots")
            {
                continue;
            }

            refused.Add($"{fields["reason"]} {what} (user {fields["username"]}, {fields["context"]})");
        }

        return refused;
    }

    private static string ReadDocumentedRule()
    {
        var root = new DirectoryInfo(AppContext.BaseDirectory);
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "AnarchoRedis.sln")))
        {
            root = root.Parent;
        }

        var page = Path.Combine(root?.FullName ?? throw new InvalidOperationException("The repository root (AnarchoRedis.sln) was not found above the test binaries."), "docs", "security.md");
        var lines = File.ReadAllLines(page).Where(l => l.StartsWith("ACL SETUSER " + User + " ", StringComparison.Ordinal)).ToArray();
        return lines.Length == 1 ? lines[0] : throw new InvalidOperationException($"docs/security.md must hold exactly one 'ACL SETUSER {User} ...' line; it holds {lines.Length}.");
    }
}
