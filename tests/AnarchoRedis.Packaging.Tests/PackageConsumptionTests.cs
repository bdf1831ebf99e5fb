using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading.Tasks;
using AnarchoRedis.Testing;
using Xunit;

namespace AnarchoRedis.Packaging.Tests;

/// <summary>
/// Packs the repository's packable projects once, from a copy of src/, under a version no earlier run used (so the
/// machine's package cache never answers for a fresh package), into a local folder feed.
/// </summary>
public sealed class PackedFeed : IAsyncLifetime
{
    private readonly DirectoryInfo _work = Directory.CreateTempSubdirectory("anarchoredis-pack-");

    public string Version { get; } = "0.1.0-pkgtest." + DateTime.UtcNow.ToString("yyyyMMddHHmmssfff", System.Globalization.CultureInfo.InvariantCulture);

    public string Feed => Path.Combine(_work.FullName, "feed");

    public string Work => _work.FullName;

    public async Task InitializeAsync()
    {
        var source = Path.Combine(Work, "source");
        PackageConsumptionTests.CopySources(PackageConsumptionTests.RepositoryRoot(), source);
        foreach (var project in new[] { "AnarchoRedis.Attributes", "AnarchoRedis.Runtime", "AnarchoRedis.Testing", "AnarchoRedis.Tool" })
        {
            await PackageConsumptionTests.RunAsync("dotnet", ["pack", Path.Combine(source, "src", project, project + ".csproj"), "-c", "Release", "-o", Feed, "-p:Version=" + Version], source);
        }
    }

    public Task DisposeAsync()
    {
        try
        {
            _work.Delete(recursive: true);
        }
        catch (IOException)
        {
            // Left for the OS to clean.
        }

        return Task.CompletedTask;
    }
}

/// <summary>
/// The packages as a user gets them, from a local folder feed and nothing else of the repository: a new project that
/// references only the AnarchoRedis package (the attributes come with it as its dependency) annotates a model, builds
/// (the generator runs from the package's analyzers folder) and round-trips a value through three real redis-servers;
/// a project that references AnarchoRedis.Testing starts a local cluster with it; and the anarcho tool installs from
/// the feed and reports on real nodes.
/// </summary>
public sealed class PackageConsumptionTests(PackedFeed packed) : IClassFixture<PackedFeed>
{
    [Fact]
    public async Task A_new_project_that_references_only_the_packed_package_generates_its_repository_and_round_trips_a_value()
    {
        var package = Path.Combine(packed.Feed, $"AnarchoRedis.{packed.Version}.nupkg");
        Assert.True(File.Exists(package), "the package was not created: " + string.Join(", ", Directory.GetFiles(packed.Feed)));

        var consumer = Path.Combine(packed.Work, "consumer");
        WriteConsumer(consumer, packed.Feed, packed.Version);

        await using var cluster = await LocalCluster.StartAsync(new LocalClusterOptions { NodeCount = 3, Proxies = false });
        var output = await RunAsync("dotnet", ["run", "-c", "Release", "--project", consumer, "--", .. cluster.EndPoints], consumer);

        Assert.Contains("round trip: Ada, version ", output, StringComparison.Ordinal);
        foreach (var node in cluster.Nodes)
        {
            Assert.True(await node.Db.KeyExistsAsync("pkg:user:42"), $"node {node.Index} lacks the value");
        }
    }

    [Fact]
    public async Task A_project_that_references_the_packed_testing_kit_starts_a_cluster_survives_a_killed_node_and_compares_the_keyspaces()
    {
        var consumer = Path.Combine(packed.Work, "testing-consumer");
        WriteProject(consumer, packed.Feed, $"""<PackageReference Include="AnarchoRedis.Testing" Version="{packed.Version}" />""", """
            using AnarchoRedis;
            using AnarchoRedis.Testing;

            await using var cluster = await LocalCluster.StartAsync(new LocalClusterOptions { NodeCount = 3 });
            await using var client = await AnarchoRedisClient.ConnectAsync(cluster.CreateOptions());
            var notes = client.GetValueStore(new ReplicatedValueDescriptor<Note>("kit.note", "note:{Id}"));
            cluster[2].Kill();
            await notes.SetAsync("note:1", new Note { Id = 1, Text = "written with a node down" });
            await cluster[2].RestartAsync(RestartMode.LoseData);
            var read = await notes.GetAsync("note:1");
            // The restarted node's circuit closes at the next health probe; a pass before that leaves it out.
            var runner = new AntiEntropyRunner(client, ReplicatedTypeRegistry.CreateUntyped());
            var pass = await runner.RunPassAsync();
            for (var attempt = 0; !pass.IsClean && attempt < 40; attempt++)
            {
                await Task.Delay(250);
                pass = await runner.RunPassAsync();
            }

            var differences = await KeyspaceComparison.CompareAsync(cluster.Nodes);
            Console.WriteLine($"kit: read '{read?.Text}', pass clean {pass.IsClean}, {differences.Count} differences");
            Console.WriteLine(pass);
            Console.WriteLine(string.Join(Environment.NewLine, differences));

            public sealed record Note
            {
                public int Id { get; set; }

                public string Text { get; set; } = "";
            }
            """);

        var output = await RunAsync("dotnet", ["run", "-c", "Release", "--project", consumer], consumer);

        Assert.True(output.Contains("kit: read 'written with a node down', pass clean True, 0 differences", StringComparison.Ordinal), output);
    }

    [Fact]
    public async Task The_tool_installs_from_the_feed_and_its_status_command_reports_every_node_ready()
    {
        var tools = Path.Combine(packed.Work, "tools");
        await RunAsync("dotnet", ["tool", "install", "AnarchoRedis.Tool", "--tool-path", tools, "--add-source", packed.Feed, "--version", packed.Version], packed.Work);
        await using var cluster = await LocalCluster.StartAsync(new LocalClusterOptions { NodeCount = 3, Proxies = false });
        // An application's first client gives the nodes their epochs (the tool, an observer, never writes one).
        await (await AnarchoRedisClient.ConnectAsync(new AnarchoRedisOptions { Nodes = [.. cluster.EndPoints] })).DisposeAsync();

        var output = await RunAsync(Path.Combine(tools, "anarcho"), ["status", "--json", .. cluster.EndPoints.SelectMany(e => new[] { "--node", e })], packed.Work);

        Assert.Contains("\"ready\": 3", output, StringComparison.Ordinal);
        Assert.Contains("\"exitCode\": 0", output, StringComparison.Ordinal);
    }

    /// <summary>A console project named <paramref name="name"/> whose only package source is the feed.</summary>
    private static void WriteProject(string directory, string feed, string packageReference, string program, string name = "Consumer")
    {
        Directory.CreateDirectory(directory);
        File.WriteAllText(Path.Combine(directory, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <add key="anarchoredis-local" value="{feed}" />
              </packageSources>
            </configuration>
            """);
        File.WriteAllText(Path.Combine(directory, name + ".csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <Nullable>enable</Nullable>
                <ImplicitUsings>enable</ImplicitUsings>
                <TreatWarningsAsErrors>true</TreatWarningsAsErrors>
                <NoWarn>NU1603</NoWarn>
              </PropertyGroup>
              <ItemGroup>
                {packageReference}
              </ItemGroup>
            </Project>
            """);
        File.WriteAllText(Path.Combine(directory, "Program.cs"), program);
    }

    private static void WriteConsumer(string directory, string feed, string version) =>
        WriteProject(
            directory,
            feed,
            $"""
            <PackageReference Include="AnarchoRedis" Version="{version}" />
                <PackageReference Include="Microsoft.Extensions.DependencyInjection" Version="10.0.15" />
            """,
            """
            using AnarchoRedis;
            using Microsoft.Extensions.DependencyInjection;

            var services = new ServiceCollection()
                .AddAnarchoRedis(o => o.Nodes = [.. args])
                .AddPackageConsumerRepositories();
            await using var provider = services.BuildServiceProvider();
            var users = provider.GetRequiredService<IUserRepository>();
            await users.SetAsync(new User { Id = 42, Name = "Ada" }, WriteOptions.All);
            var read = await users.GetVersionedAsync(42, ReadOptions.All) ?? throw new InvalidOperationException("not found");
            Console.WriteLine($"round trip: {read.Value.Name}, version {read.Version}");

            [ReplicatedKey("pkg:user:{Id}")]
            public sealed class User
            {
                public int Id { get; set; }

                public string Name { get; set; } = "";
            }
            """,
            name: "PackageConsumer");

    /// <summary>The sources a pack needs: src/ and the root's build files, without build output.</summary>
    internal static void CopySources(string root, string destination)
    {
        foreach (var file in new[] { "Directory.Build.props", "Directory.Packages.props", "global.json" })
        {
            if (File.Exists(Path.Combine(root, file)))
            {
                Directory.CreateDirectory(destination);
                File.Copy(Path.Combine(root, file), Path.Combine(destination, file));
            }
        }

        var src = Path.Combine(root, "src");
        foreach (var file in Directory.EnumerateFiles(src, "*", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(src, file);
            var parts = relative.Split(Path.DirectorySeparatorChar);
            if (parts.Contains("bin") || parts.Contains("obj"))
            {
                continue;
            }

            var target = Path.Combine(destination, "src", relative);
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }

    internal static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "AnarchoRedis.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("AnarchoRedis.sln not found above " + AppContext.BaseDirectory);
    }

    /// <summary>Runs a command to its end (at most 10 minutes) and returns its output; a non-zero exit fails the test with the output.</summary>
    internal static async Task<string> RunAsync(string file, string[] arguments, string directory)
    {
        var start = new ProcessStartInfo(file)
        {
            WorkingDirectory = directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";

        // Not the test host's MSBuild state: a fresh build of another tree.
        start.Environment.Remove("MSBuildExtensionsPath");
        start.Environment.Remove("MSBUILD_EXE_PATH");
        start.Environment.Remove("MSBuildSDKsPath");
        using var process = Process.Start(start)!;
        var output = new StringBuilder();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        try
        {
            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(10));
        }
        catch (TimeoutException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        output.Append(await stdout).Append(await stderr);
        Assert.True(process.ExitCode == 0, $"{file} {string.Join(' ', arguments)} exited with {process.ExitCode}:\n{output}");
        return output.ToString();
    }
}
