using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;
using System.Threading.Tasks;
using AnarchoRedis.Testing;
using Xunit;

namespace AnarchoRedis.Tool.Tests;

/// <summary>
/// The tool over TLS-only nodes that require a client certificate, logged in as the least-privilege ACL user of
/// docs/security.md (the rule read from the page, with this test's key pattern and password).
/// </summary>
public sealed class SecureToolTests
{
    private const string Password = "tool-tls-password";

    private static readonly ReplicatedValueDescriptor<ToolTests.Note> Notes = new("tool.note", "note:{Id}");

    private static string DocumentedRule()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (!File.Exists(Path.Combine(directory!.FullName, "AnarchoRedis.sln")))
        {
            directory = directory.Parent;
        }

        var line = File.ReadLines(Path.Combine(directory.FullName, "docs", "security.md")).Single(l => l.StartsWith("ACL SETUSER anarcho ", StringComparison.Ordinal));
        return line["ACL SETUSER ".Length..].Replace("~app:*", "~note:*", StringComparison.Ordinal).Replace(">CHANGE-ME", ">" + Password, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Status_diff_repair_and_inspect_work_over_TLS_with_a_client_certificate_as_the_documented_user_and_fail_with_exit_code_2_without_the_certificate()
    {
        using var certificates = LocalCertificates.Create();
        var options = new LocalClusterOptions { NodeCount = 3, Tls = certificates, RequireClientCertificate = true };
        options.AclUsers.Add(DocumentedRule());
        await using var cluster = await LocalCluster.StartAsync(options);
        string[] access = ["--user", "anarcho", "--tls-ca", certificates.CaCertificatePath, "--tls-cert", certificates.ClientCertificatePath, "--tls-key", certificates.ClientKeyPath];

        var environment = new Dictionary<string, string> { ["ANARCHO_PASSWORD"] = Password, ["ANARCHO_NODES"] = string.Join(';', cluster.EndPoints) };
        // The application's first client gives every node its epoch (the tool never writes one).
        await (await AnarchoRedisClient.ConnectAsync(cluster.CreateOptions(o =>
        {
            o.Connection.User = "anarcho";
            o.Connection.Password = Password;
        }))).DisposeAsync();
        var status = await ToolRun.RunAsync(["status", "--json", .. access], environment);
        Assert.True(status.ExitCode == 0, status.ToString());
        // The documented user may run DBSIZE (granted for these key counts).
        Assert.Equal(JsonValueKind.Number, status.Document.GetProperty("nodes")[0].GetProperty("keys").ValueKind);
        Assert.Matches(@"^\d+\.\d+", status.Document.GetProperty("nodes")[0].GetProperty("serverVersion").GetString());

        // Node 2 misses a write.
        await using (var two = await AnarchoRedisClient.ConnectAsync(cluster.CreateOptions(o =>
        {
            o.Nodes = [cluster.EndPoints[0], cluster.EndPoints[1]];
            o.Connection.User = "anarcho";
            o.Connection.Password = Password;
            o.Hints.Enabled = false;
        })))
        {
            await two.GetValueStore(Notes).SetAsync("note:1", new ToolTests.Note { Id = 1, Text = "over TLS" });
        }


        var diff = await ToolRun.RunAsync(["diff", "--json", .. access], environment);
        Assert.True(diff.ExitCode == 1, diff.ToString());
        Assert.Equal([HashSlot.Of("note:1")], diff.Document.GetProperty("differingSlots").EnumerateArray().Select(e => e.GetInt32()));

        var repair = await ToolRun.RunAsync(["repair", "--json", .. access], environment);
        Assert.True(repair.ExitCode == 0, repair.ToString());
        Assert.Equal(1, repair.Document.GetProperty("valuesRepaired").GetInt64());

        var inspect = await ToolRun.RunAsync(["inspect", "note:1", "--json", .. access], environment);
        Assert.True(inspect.ExitCode == 0, inspect.ToString());
        Assert.Empty(await KeyspaceComparison.CompareAsync(cluster.Nodes));

        // No client certificate: the nodes refuse the TLS handshake, so none answers.
        var refused = await ToolRun.RunAsync(["status", "--json", "--timeout", "1", "--user", "anarcho", "--tls-ca", certificates.CaCertificatePath], environment);
        Assert.True(refused.ExitCode == 2, refused.ToString());
        Assert.All(refused.Document.GetProperty("nodes").EnumerateArray(), n => Assert.False(n.GetProperty("reachable").GetBoolean()));
    }
}
