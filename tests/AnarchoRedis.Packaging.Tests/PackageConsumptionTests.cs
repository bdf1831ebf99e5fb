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
/// The packages as a user gets them: the repository's packable projects are packed into a local folder feed, and a
/// new project that references only the AnarchoRedis package (no project reference; the attributes come with it as its
/// dependency) annotates a model, builds (the generator runs from the package's analyzers folder) and round-trips a
/// value through three real redis-servers.
/// </summary>
public sealed class PackageConsumptionTests
{
    [Fact]
    public async Task A_new_project_that_references_only_the_packed_package_generates_its_repository_and_round_trips_a_value()
    {
        var root = RepositoryRoot();
        var work = Directory.CreateTempSubdirectory("anarchoredis-pack-");
        try
        {
            // A version no earlier run used: the machine's package cache never answers for the fresh package.
            var version = "0.1.0-pkgtest." + DateTime.UtcNow.ToString("yyyyMMddHHmmssfff", System.Globalization.CultureInfo.InvariantCulture);
            var feed = Path.Combine(work.FullName, "feed");
            var source = Path.Combine(work.FullName, "source");

            // Packed from a copy of the sources, so that the test's build of the tree is left alone.
            CopySources(root, source);
            foreach (var project in new[] { "AnarchoRedis.Attributes", "AnarchoRedis.Runtime" })
            {
                await RunAsync("dotnet", ["pack", Path.Combine(source, "src", project, project + ".csproj"), "-c", "Release", "-o", feed, "-p:Version=" + version], source);
            }

            var package = Path.Combine(feed, $"AnarchoRedis.{version}.nupkg");
            Assert.True(File.Exists(package), "the package was not created: " + string.Join(", ", Directory.GetFiles(feed)));

            var consumer = Path.Combine(work.FullName, "consumer");
            WriteConsumer(consumer, feed, version);

            await using var cluster = await LocalCluster.StartAsync(new LocalClusterOptions { NodeCount = 3, Proxies = false });
            var output = await RunAsync("dotnet", ["run", "-c", "Release", "--project", consumer, "--", .. cluster.EndPoints], consumer);

            Assert.Contains("round trip: Ada, version ", output, StringComparison.Ordinal);
            foreach (var node in cluster.Nodes)
            {
                Assert.True(await node.Db.KeyExistsAsync("pkg:user:42"), $"node {node.Index} lacks the value");
            }
        }
        finally
        {
            try
            {
                work.Delete(recursive: true);
            }
            catch (IOException)
            {
                // Left for the OS to clean.
            }
        }
    }

    private static void WriteConsumer(string directory, string feed, string version)
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
        File.WriteAllText(Path.Combine(directory, "PackageConsumer.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <Nullable>enable</Nullable>
                <ImplicitUsings>enable</ImplicitUsings>
                <TreatWarningsAsErrors>true</TreatWarningsAsErrors>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="AnarchoRedis" Version="{version}" />
                <PackageReference Include="Microsoft.Extensions.DependencyInjection" Version="10.0.15" />
              </ItemGroup>
            </Project>
            """);
        File.WriteAllText(Path.Combine(directory, "Program.cs"), """
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
            """);
    }

    /// <summary>The sources a pack needs: src/ and the root's build files, without build output.</summary>
    private static void CopySources(string root, string destination)
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

    private static string RepositoryRoot()
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
    private static async Task<string> RunAsync(string file, string[] arguments, string directory)
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
