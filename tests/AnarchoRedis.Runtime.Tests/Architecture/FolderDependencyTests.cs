using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Xunit;

namespace AnarchoRedis.Runtime.Tests.Architecture;

/// <summary>
/// The runtime's folders are layers (docs/design.md, "Code map"): a folder uses only the folders below it. Checked on
/// the source with Roslyn's semantic model: every name in a file is resolved to the declaration it means (a type, or
/// the member of a type declared in parts), and the folder of that declaration is what the file's folder depends on.
/// </summary>
public sealed class FolderDependencyTests
{
    /// <summary>Lowest first. The same list, with one line on each folder, is in docs/design.md.</summary>
    private static readonly string[] Layers =
    [
        "Versioning",
        "Outcomes",
        "Exceptions",
        "Keys",
        "Serialization",
        "Registry",
        "Scripts",
        "Configuration",
        "Diagnostics",
        "Nodes",
        "Replication",
        "Repair",
        "Values",
        "Lists",
        "Hints",
        "(root)",
        "AntiEntropy",
        "DependencyInjection",
    ];

    private static readonly Lazy<Dictionary<(string From, string To), SortedSet<string>>> Edges = new(ReadEdges);

    [Fact]
    public void Every_runtime_folder_is_in_the_layer_list()
    {
        var folders = SourceFiles().Select(f => f.Folder).Distinct().Order(StringComparer.Ordinal).ToArray();
        Assert.Empty(folders.Except(Layers));
        Assert.Empty(Layers.Except(folders));
    }

    [Fact]
    public void No_folder_uses_a_folder_above_it_so_there_is_no_cycle()
    {
        var upward = Edges.Value
            .Where(e => Array.IndexOf(Layers, e.Key.From) < Array.IndexOf(Layers, e.Key.To))
            .Select(e => $"{e.Key.From} -> {e.Key.To}: {string.Join(", ", e.Value.Take(8))}")
            .Order(StringComparer.Ordinal)
            .ToArray();
        Assert.True(upward.Length == 0, "Folders that use a folder above them (move the type, or pass what is used from below):\n" + string.Join("\n", upward));
    }

    [Fact]
    public void The_analysis_sees_the_dependencies_that_exist()
    {
        // Guards the test itself: if name resolution broke, every edge would vanish and the test above would pass.
        Assert.Contains(("Values", "Replication"), Edges.Value.Keys);
        Assert.Contains(("Nodes", "Diagnostics"), Edges.Value.Keys);
        Assert.Contains("QuorumCall", Edges.Value[("Values", "Replication")]);
    }

    private static Dictionary<(string From, string To), SortedSet<string>> ReadEdges()
    {
        var files = SourceFiles();
        var options = new CSharpParseOptions(LanguageVersion.Preview);
        var trees = files.Select(f => CSharpSyntaxTree.ParseText(File.ReadAllText(f.Path), options, f.Path)).ToArray();
        var references = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
            .Concat(Directory.GetFiles(AppContext.BaseDirectory, "*.dll").Where(p => !Path.GetFileName(p).StartsWith("AnarchoRedis", StringComparison.Ordinal)))
            .Select(p => MetadataReference.CreateFromFile(p));
        var compilation = CSharpCompilation.Create("Runtime", trees, references, new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));
        var folderOf = files.ToDictionary(f => f.Path, f => f.Folder);

        var edges = new Dictionary<(string, string), SortedSet<string>>();
        foreach (var tree in trees)
        {
            var from = folderOf[tree.FilePath];
            var model = compilation.GetSemanticModel(tree);
            foreach (var name in tree.GetRoot().DescendantNodes().OfType<SimpleNameSyntax>())
            {
                var symbol = model.GetSymbolInfo(name).Symbol ?? model.GetSymbolInfo(name).CandidateSymbols.FirstOrDefault();
                var (declared, label) = symbol switch
                {
                    INamedTypeSymbol type => (type.OriginalDefinition, type.Name),
                    IMethodSymbol { MethodKind: MethodKind.Constructor } ctor => (ctor.ContainingType.OriginalDefinition, ctor.ContainingType.Name),
                    IMethodSymbol method when method.ContainingType is not null => ((ISymbol)(method.PartialDefinitionPart ?? method.OriginalDefinition), $"{method.ContainingType.Name}.{method.Name}"),
                    IPropertySymbol or IFieldSymbol or IEventSymbol when symbol.ContainingType is not null => (symbol.OriginalDefinition, $"{symbol.ContainingType.Name}.{symbol.Name}"),
                    _ => (null, null),
                };
                if (declared is null)
                {
                    continue;
                }

                foreach (var location in declared.Locations.Where(l => l.IsInSource).Take(1))
                {
                    if (folderOf.TryGetValue(location.SourceTree!.FilePath, out var to) && to != from)
                    {
                        if (!edges.TryGetValue((from, to), out var names))
                        {
                            edges[(from, to)] = names = new SortedSet<string>(StringComparer.Ordinal);
                        }

                        names.Add(label!);
                    }
                }
            }
        }

        return edges;
    }

    private static (string Path, string Folder)[] SourceFiles()
    {
        var root = new DirectoryInfo(AppContext.BaseDirectory);
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "AnarchoRedis.sln")))
        {
            root = root.Parent;
        }

        Assert.NotNull(root);
        var runtime = Path.Combine(root.FullName, "src", "AnarchoRedis.Runtime");
        return Directory.GetFiles(runtime, "*.cs", SearchOption.AllDirectories)
            .Select(p => (Path: p, Relative: Path.GetRelativePath(runtime, p).Replace('\\', '/')))
            .Where(f => !f.Relative.StartsWith("obj/", StringComparison.Ordinal) && !f.Relative.StartsWith("bin/", StringComparison.Ordinal))
            .Select(f => (f.Path, f.Relative.Contains('/', StringComparison.Ordinal) ? f.Relative[..f.Relative.IndexOf('/', StringComparison.Ordinal)] : "(root)"))
            .ToArray();
    }
}
