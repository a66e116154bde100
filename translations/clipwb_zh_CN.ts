<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
<context>
    <name>BuildLmdbDialog</name>
    <message>
        <source>Build LMDB</source>
        <translation>构建 LMDB</translation>
    </message>
    <message>
        <source>folder with {split}_imgs.tsv and {split}_texts.jsonl</source>
        <translation>包含 {split}_imgs.tsv 与 {split}_texts.jsonl 的文件夹</translation>
    </message>
    <message>
        <source>default: &lt;data folder&gt;/lmdb</source>
        <translation>默认：&lt;数据文件夹&gt;/lmdb</translation>
    </message>
    <message>
        <source>Raw data folder</source>
        <translation>原始数据文件夹</translation>
    </message>
    <message>
        <source>LMDB output folder</source>
        <translation>LMDB 输出文件夹</translation>
    </message>
    <message>
        <source>Choose the raw data folder to see its splits.</source>
        <translation>选择原始数据文件夹以查看其中的数据划分。</translation>
    </message>
    <message>
        <source>Raw data</source>
        <translation>原始数据</translation>
    </message>
    <message>
        <source>Splits</source>
        <translation>数据划分</translation>
    </message>
    <message>
        <source>LMDB folder</source>
        <translation>LMDB 文件夹</translation>
    </message>
    <message>
        <source>Build</source>
        <translation>构建</translation>
    </message>
    <message>
        <source>No {split}_imgs.tsv with a matching {split}_texts.jsonl here.</source>
        <translation>此处没有成对的 {split}_imgs.tsv 与 {split}_texts.jsonl。</translation>
    </message>
    <message>
        <source>Nothing to build: tick at least one split.</source>
        <translation>没有可构建的内容：请至少勾选一个数据划分。</translation>
    </message>
    <message>
        <source>Building %1 into %2 …</source>
        <translation>正在将 %1 构建到 %2 …</translation>
    </message>
    <message>
        <source>%1 …</source>
        <translation>%1 …</translation>
    </message>
    <message>
        <source>%1: %2 pairs, %3 images → %4</source>
        <translation>%1：%2 个图文对，%3 张图片 → %4</translation>
    </message>
    <message>
        <source>Cancelled.</source>
        <translation>已取消。</translation>
    </message>
    <message>
        <source>Failed: %1</source>
        <translation>失败：%1</translation>
    </message>
    <message>
        <source>Cancelling…</source>
        <translation>正在取消…</translation>
    </message>
</context>
<context>
    <name>CheckpointRecallEvaluator</name>
    <message>
        <source>An evaluation is already running.</source>
        <translation>已有一个评估正在运行。</translation>
    </message>
    <message>
        <source>Cannot read %1: the run&apos;s config names the models and the validation split.</source>
        <translation>无法读取 %1：需要运行的配置来确定模型与验证集。</translation>
    </message>
    <message>
        <source>%1 has no val_data: there is no split to evaluate on.</source>
        <translation>%1 未设置 val_data：没有可用于评估的数据集。</translation>
    </message>
</context>
<context>
    <name>CheckpointsPage</name>
    <message>
        <source>Resume from &amp;latest</source>
        <translation>从最新检查点续训(&amp;L)</translation>
    </message>
    <message>
        <source>Ctrl+L</source>
        <translation>Ctrl+L</translation>
    </message>
    <message>
        <source>Continue the run exactly where its newest checkpoint left it</source>
        <translation>从最新检查点保存的位置精确地继续训练</translation>
    </message>
    <message>
        <source>Resume from &amp;selected</source>
        <translation>从所选检查点续训(&amp;S)</translation>
    </message>
    <message>
        <source>Ctrl+Shift+L</source>
        <translation>Ctrl+Shift+L</translation>
    </message>
    <message>
        <source>Continue training from the selected checkpoint</source>
        <translation>从所选检查点继续训练</translation>
    </message>
    <message>
        <source>&amp;Browse retrieval</source>
        <translation>浏览检索结果(&amp;B)</translation>
    </message>
    <message>
        <source>Ctrl+B</source>
        <translation>Ctrl+B</translation>
    </message>
    <message>
        <source>Open the selected checkpoint in the Retrieval browser (the run&apos;s validation split)</source>
        <translation>在检索浏览器中打开所选检查点（使用该运行的验证集）</translation>
    </message>
    <message>
        <source>&amp;Delete</source>
        <translation>删除(&amp;D)</translation>
    </message>
    <message>
        <source>Delete the selected checkpoint file</source>
        <translation>删除所选的检查点文件</translation>
    </message>
    <message>
        <source>Slim &amp;export…</source>
        <translation>精简导出(&amp;E)…</translation>
    </message>
    <message>
        <source>Ctrl+Shift+X</source>
        <translation>Ctrl+Shift+X</translation>
    </message>
    <message>
        <source>Write a copy without the optimizer state (smaller, for inference)</source>
        <translation>另存一份不含优化器状态的副本（更小，用于推理）</translation>
    </message>
    <message>
        <source>Show in &amp;file manager</source>
        <translation>在文件管理器中显示(&amp;F)</translation>
    </message>
    <message>
        <source>Ctrl+Shift+F</source>
        <translation>Ctrl+Shift+F</translation>
    </message>
    <message>
        <source>Open the checkpoints folder</source>
        <translation>打开检查点文件夹</translation>
    </message>
    <message>
        <source>Refresh</source>
        <translation>刷新</translation>
    </message>
    <message>
        <source>Read the folder again</source>
        <translation>重新读取文件夹</translation>
    </message>
    <message>
        <source>Evaluate &amp;all checkpoints</source>
        <translation>评估全部检查点(&amp;A)</translation>
    </message>
    <message>
        <source>Ctrl+Alt+R</source>
        <translation>Ctrl+Alt+R</translation>
    </message>
    <message>
        <source>Retrieval recall of every checkpoint on the run&apos;s validation split, in the background (cached); the dashboard plots it against the step</source>
        <translation>在后台计算每个检查点在该运行验证集上的检索召回率（有缓存）；训练面板按步数绘制曲线</translation>
    </message>
    <message>
        <source>No run yet. Train on the Training page (F5), or open a run folder there (Ctrl+R): its checkpoints show here.</source>
        <translation>尚无运行。请在“训练”页开始训练（F5），或在那里打开运行文件夹（Ctrl+R）：其检查点会显示在这里。</translation>
    </message>
    <message>
        <source>File</source>
        <translation>文件</translation>
    </message>
    <message>
        <source>Epoch</source>
        <translation>轮次</translation>
    </message>
    <message>
        <source>Step</source>
        <translation>步数</translation>
    </message>
    <message>
        <source>Saved</source>
        <translation>保存时间</translation>
    </message>
    <message>
        <source>Size</source>
        <translation>大小</translation>
    </message>
    <message>
        <source>Val loss</source>
        <translation>验证损失</translation>
    </message>
    <message>
        <source>Val i2t</source>
        <translation>验证 i2t</translation>
    </message>
    <message>
        <source>Val t2i</source>
        <translation>验证 t2i</translation>
    </message>
    <message>
        <source>Recall t2i · i2t (R@1/5/10, %)</source>
        <translation>召回率 t2i · i2t（R@1/5/10，%）</translation>
    </message>
    <message>
        <source>Resuming restores the model, the optimizer and the data position, with the run&apos;s own configuration; the Configuration page&apos;s resume field follows the choice.</source>
        <translation>续训会恢复模型、优化器和数据位置，并使用该运行自己的配置；“配置”页的 resume 字段随之更新。</translation>
    </message>
    <message>
        <source>Evaluate all checkpoints</source>
        <translation>评估全部检查点</translation>
    </message>
    <message>
        <source>Evaluating retrieval recall: %1 of %2 (%3)…</source>
        <translation>正在评估检索召回率：第 %1 个，共 %2 个（%3）…</translation>
    </message>
    <message numerus="yes">
        <source>Retrieval recall of %n checkpoint(s) on the validation split: see the Training page&apos;s Retrieval recall chart.</source>
        <translation>
            <numerusform>已算出 %n 个检查点在验证集上的检索召回率：见“训练”页的检索召回率图表。</numerusform>
        </translation>
    </message>
    <message>
        <source>Evaluation cancelled.</source>
        <translation>评估已取消。</translation>
    </message>
    <message>
        <source>Evaluation failed: %1</source>
        <translation>评估失败：%1</translation>
    </message>
    <message>
        <source>Cannot read %1: %2</source>
        <translation>无法读取 %1：%2</translation>
    </message>
    <message numerus="yes">
        <source>%n checkpoint(s) in %1</source>
        <translation>
            <numerusform>%1 中有 %n 个检查点</numerusform>
        </translation>
    </message>
    <message>
        <source>No validation at this step</source>
        <translation>此步没有验证</translation>
    </message>
    <message>
        <source>Not evaluated: use Evaluate all checkpoints</source>
        <translation>未评估：请使用“评估全部检查点”</translation>
    </message>
    <message>
        <source>No run open</source>
        <translation>未打开运行</translation>
    </message>
    <message>
        <source>The run has finished: nothing left to train (Resume from selected continues an earlier checkpoint)</source>
        <translation>该运行已完成，没有剩余的训练（“从所选检查点续训”可从更早的检查点继续）</translation>
    </message>
    <message>
        <source>This run has no checkpoint yet</source>
        <translation>该运行还没有检查点</translation>
    </message>
    <message>
        <source>Select a checkpoint in the table first</source>
        <translation>请先在表格中选择一个检查点</translation>
    </message>
    <message>
        <source>No run open.</source>
        <translation>未打开运行。</translation>
    </message>
    <message>
        <source>No checkpoint with a known step.</source>
        <translation>没有已知步数的检查点。</translation>
    </message>
    <message numerus="yes">
        <source>Evaluating retrieval recall of %n checkpoint(s)…</source>
        <translation>
            <numerusform>正在评估 %n 个检查点的检索召回率…</numerusform>
        </translation>
    </message>
    <message>
        <source>Cannot delete %1: %2</source>
        <translation>无法删除 %1：%2</translation>
    </message>
    <message>
        <source>Delete checkpoint</source>
        <translation>删除检查点</translation>
    </message>
    <message>
        <source>Delete %1? This cannot be undone.</source>
        <translation>删除 %1？此操作无法撤销。</translation>
    </message>
    <message>
        <source>Slim export</source>
        <translation>精简导出</translation>
    </message>
    <message>
        <source>Checkpoints (*.pt)</source>
        <translation>检查点 (*.pt)</translation>
    </message>
    <message>
        <source>Slim export written: %1 (%2 MB, without the optimizer state).</source>
        <translation>已导出精简检查点：%1（%2 MB，不含优化器状态）。</translation>
    </message>
</context>
<context>
    <name>ConfigPage</name>
    <message>
        <source>Training data</source>
        <translation>训练数据</translation>
    </message>
    <message>
        <source>Validation data</source>
        <translation>验证数据</translation>
    </message>
    <message>
        <source>Loader threads</source>
        <translation>数据加载线程</translation>
    </message>
    <message>
        <source>Validation loader threads</source>
        <translation>验证数据加载线程</translation>
    </message>
    <message>
        <source>Augment images</source>
        <translation>图像数据增强</translation>
    </message>
    <message>
        <source>Context length</source>
        <translation>文本最大长度</translation>
    </message>
    <message>
        <source>Vision model</source>
        <translation>视觉模型</translation>
    </message>
    <message>
        <source>Text model</source>
        <translation>文本模型</translation>
    </message>
    <message>
        <source>Flash attention</source>
        <translation>FlashAttention</translation>
    </message>
    <message>
        <source>Gradient checkpointing</source>
        <translation>重计算（梯度检查点）</translation>
    </message>
    <message>
        <source>Patch mask ratio</source>
        <translation>图像块掩码比例</translation>
    </message>
    <message>
        <source>Freeze vision tower</source>
        <translation>冻结视觉塔</translation>
    </message>
    <message>
        <source>CLIP weights</source>
        <translation>CLIP 权重</translation>
    </message>
    <message>
        <source>BERT weights</source>
        <translation>BERT 权重</translation>
    </message>
    <message>
        <source>Batch size</source>
        <translation>批大小</translation>
    </message>
    <message>
        <source>Validation batch size</source>
        <translation>验证批大小</translation>
    </message>
    <message>
        <source>Learning rate</source>
        <translation>学习率</translation>
    </message>
    <message>
        <source>Weight decay</source>
        <translation>权重衰减</translation>
    </message>
    <message>
        <source>Adam β1</source>
        <translation>Adam β1</translation>
    </message>
    <message>
        <source>Adam β2</source>
        <translation>Adam β2</translation>
    </message>
    <message>
        <source>Adam ε</source>
        <translation>Adam ε</translation>
    </message>
    <message>
        <source>Warm-up steps</source>
        <translation>预热步数</translation>
    </message>
    <message>
        <source>Max steps</source>
        <translation>最大步数</translation>
    </message>
    <message>
        <source>Max epochs</source>
        <translation>最大轮数</translation>
    </message>
    <message>
        <source>Accumulation</source>
        <translation>梯度累积</translation>
    </message>
    <message>
        <source>Precision</source>
        <translation>精度</translation>
    </message>
    <message>
        <source>Constant learning rate</source>
        <translation>固定学习率</translation>
    </message>
    <message>
        <source>Validate every N steps</source>
        <translation>每 N 步验证</translation>
    </message>
    <message>
        <source>Validate every N epochs</source>
        <translation>每 N 轮验证</translation>
    </message>
    <message>
        <source>Save every N steps</source>
        <translation>每 N 步保存</translation>
    </message>
    <message>
        <source>Save every N epochs</source>
        <translation>每 N 轮保存</translation>
    </message>
    <message>
        <source>Log every N steps</source>
        <translation>每 N 步记录日志</translation>
    </message>
    <message>
        <source>Training batch accuracy</source>
        <translation>训练批内准确率</translation>
    </message>
    <message>
        <source>Resume from</source>
        <translation>续训自</translation>
    </message>
    <message>
        <source>Reset optimizer</source>
        <translation>重置优化器</translation>
    </message>
    <message>
        <source>Reset data offset</source>
        <translation>重置数据偏移</translation>
    </message>
    <message>
        <source>Distillation</source>
        <translation>知识蒸馏</translation>
    </message>
    <message>
        <source>Teacher model</source>
        <translation>教师模型</translation>
    </message>
    <message>
        <source>Distillation loss weight</source>
        <translation>蒸馏损失权重</translation>
    </message>
    <message>
        <source>Skip feature gathering</source>
        <translation>跳过特征汇聚</translation>
    </message>
    <message>
        <source>Gather with gradients</source>
        <translation>带梯度汇聚</translation>
    </message>
    <message>
        <source>Synchronised batch norm</source>
        <translation>同步批归一化</translation>
    </message>
    <message>
        <source>Random seed</source>
        <translation>随机种子</translation>
    </message>
    <message>
        <source>Logs folder</source>
        <translation>日志文件夹</translation>
    </message>
    <message>
        <source>Run name</source>
        <translation>运行名称</translation>
    </message>
    <message>
        <source>Device</source>
        <translation>设备</translation>
    </message>
    <message>
        <source>Keep last N checkpoints</source>
        <translation>保留最近 N 个检查点</translation>
    </message>
    <message>
        <source>&amp;Open config…</source>
        <translation>打开配置(&amp;O)…</translation>
    </message>
    <message>
        <source>Load a training config (JSON with upstream&apos;s option names)</source>
        <translation>载入训练配置（使用原版参数名的 JSON）</translation>
    </message>
    <message>
        <source>&amp;Save config</source>
        <translation>保存配置(&amp;S)</translation>
    </message>
    <message>
        <source>Save config &amp;as…</source>
        <translation>配置另存为(&amp;A)…</translation>
    </message>
    <message>
        <source>Save training config</source>
        <translation>保存训练配置</translation>
    </message>
    <message>
        <source>Training config (*.json)</source>
        <translation>训练配置 (*.json)</translation>
    </message>
    <message>
        <source>Open &amp;recent</source>
        <translation>最近打开(&amp;R)</translation>
    </message>
    <message>
        <source>&amp;Presets</source>
        <translation>预设(&amp;P)</translation>
    </message>
    <message>
        <source>&lt;h2 style=&apos;margin:0&apos;&gt;Configuration&lt;/h2&gt;</source>
        <translation>&lt;h2 style=&apos;margin:0&apos;&gt;配置&lt;/h2&gt;</translation>
    </message>
    <message>
        <source>Open…</source>
        <translation>打开…</translation>
    </message>
    <message>
        <source>Recent</source>
        <translation>最近</translation>
    </message>
    <message>
        <source>Save</source>
        <translation>保存</translation>
    </message>
    <message>
        <source>Save as…</source>
        <translation>另存为…</translation>
    </message>
    <message>
        <source>Presets</source>
        <translation>预设</translation>
    </message>
    <message>
        <source>Copy as command line</source>
        <translation>复制为命令行</translation>
    </message>
    <message>
        <source>Copy the upstream-style arguments (--batch-size=48 ...) to the clipboard</source>
        <translation>将原版风格的命令行参数（--batch-size=48 ...）复制到剪贴板</translation>
    </message>
    <message>
        <source>✔ Ready to train.</source>
        <translation>✔ 可以开始训练。</translation>
    </message>
    <message>
        <source>1 problem</source>
        <translation>1 个问题</translation>
    </message>
    <message>
        <source>%1 problems</source>
        <translation>%1 个问题</translation>
    </message>
    <message>
        <source>✖ %1 to fix before training: %2</source>
        <translation>✖ 训练前需修正 %1：%2</translation>
    </message>
    <message>
        <source>%1 steps</source>
        <translation>%1 步</translation>
    </message>
    <message>
        <source>%1 epochs</source>
        <translation>%1 轮</translation>
    </message>
    <message>
        <source>Run folder: %1&lt;br&gt;Checkpoints: %2&lt;br&gt;Learning rate %3 (β %4, %5, ε %6), effective batch %7, %8</source>
        <translation>运行文件夹：%1&lt;br&gt;检查点：%2&lt;br&gt;学习率 %3（β %4、%5，ε %6），有效批大小 %7，%8</translation>
    </message>
    <message>
        <source>untitled</source>
        <translation>未命名</translation>
    </message>
    <message>
        <source>&lt;b&gt;%1&lt;/b&gt; has keys the form cannot show; they were ignored (saving drops them):&lt;br&gt;%2</source>
        <translation>&lt;b&gt;%1&lt;/b&gt; 含有表单无法显示的键，已忽略（保存时将丢弃）：&lt;br&gt;%2</translation>
    </message>
    <message>
        <source>Save failed</source>
        <translation>保存失败</translation>
    </message>
    <message>
        <source>Preset &lt;b&gt;%1&lt;/b&gt;: %2</source>
        <translation>预设 &lt;b&gt;%1&lt;/b&gt;：%2</translation>
    </message>
    <message>
        <source>Folder holding datasets/ and pretrained_weights/ (upstream&apos;s DATAPATH)</source>
        <translation>包含 datasets/ 与 pretrained_weights/ 的文件夹（原版的 DATAPATH）</translation>
    </message>
    <message>
        <source>Unsaved changes</source>
        <translation>未保存的更改</translation>
    </message>
    <message>
        <source>Discard the unsaved changes to this configuration?</source>
        <translation>放弃对此配置未保存的更改？</translation>
    </message>
    <message>
        <source>Open training config</source>
        <translation>打开训练配置</translation>
    </message>
    <message>
        <source>Training config (*.json);;All files (*)</source>
        <translation>训练配置 (*.json);;所有文件 (*)</translation>
    </message>
    <message>
        <source>precision %1 needs CUDA; %2 trains in fp32 on the CPU.</source>
        <translation>精度 %1 需要 CUDA；%2在 CPU 上以 fp32 训练。</translation>
    </message>
    <message>
        <source>device cpu</source>
        <translation>选择设备 cpu 时</translation>
    </message>
    <message>
        <source>this machine has no CUDA device, so it</source>
        <translation>本机没有 CUDA 设备，因此</translation>
    </message>
    <message>
        <source>✔ Ready to train. Note: %1</source>
        <translation>✔ 可以开始训练。注意：%1</translation>
    </message>
    <message>
        <source>Cannot open the configuration: %1</source>
        <translation>无法打开配置：%1</translation>
    </message>
    <message>
        <source>Command line copied.</source>
        <translation>命令行已复制。</translation>
    </message>
    <message>
        <source>Fine-tuning from the pretrained %1 + %2: data offset and optimizer reset.</source>
        <translation>从预训练的 %1 + %2 开始微调：重置数据偏移和优化器。</translation>
    </message>
    <message>
        <source>The vision tower starts from the pretrained %1.</source>
        <translation>视觉塔从预训练的 %1 开始。</translation>
    </message>
    <message>
        <source>The text tower starts from the pretrained %1.</source>
        <translation>文本塔从预训练的 %1 开始。</translation>
    </message>
    <message>
        <source> It starts from the downloaded %1 model.</source>
        <translation>从已下载的 %1 模型开始。</translation>
    </message>
</context>
<context>
    <name>CoreMessages</name>
    <message>
        <source>required: a shipped model config name or the path of a JSON config</source>
        <translation>必填：内置模型配置名或 JSON 配置文件路径</translation>
    </message>
    <message>
        <source>unknown model config &apos;%1&apos; (shipped %2 configs: %3; or give a JSON file path)</source>
        <translation>未知的模型配置“%1”（内置%2配置：%3；或给出 JSON 文件路径）</translation>
    </message>
    <message>
        <source>model config file not found: %1</source>
        <translation>找不到模型配置文件：%1</translation>
    </message>
    <message>
        <source>cannot read model config %1: %2</source>
        <translation>无法读取模型配置 %1：%2</translation>
    </message>
    <message>
        <source>&apos;%1&apos; is not a %2 model config (it is a %3 config)</source>
        <translation>“%1”不是%2模型配置（它是%3配置）</translation>
    </message>
    <message>
        <source>&apos;%1&apos; is not a %2 model config</source>
        <translation>“%1”不是%2模型配置</translation>
    </message>
    <message>
        <source>folder not found: %1</source>
        <translation>找不到文件夹：%1</translation>
    </message>
    <message>
        <source>not a folder: %1 (expected an LMDB split folder with imgs/ and pairs/)</source>
        <translation>不是文件夹：%1（应为包含 imgs/ 与 pairs/ 的 LMDB 数据划分文件夹）</translation>
    </message>
    <message>
        <source>not an LMDB split folder: %1 lacks %2 (expected imgs/ and pairs/ LMDB environments, as build-lmdb writes them)</source>
        <translation>不是 LMDB 数据划分文件夹：%1 缺少 %2（应包含 build-lmdb 写出的 imgs/ 与 pairs/ LMDB 环境）</translation>
    </message>
    <message>
        <source>empty path (use null to leave it unset)</source>
        <translation>路径为空（不设置请用 null）</translation>
    </message>
    <message>
        <source>empty path (use null to disable validation)</source>
        <translation>路径为空（不做验证请用 null）</translation>
    </message>
    <message>
        <source>file not found: %1</source>
        <translation>找不到文件：%1</translation>
    </message>
    <message>
        <source>not a file: %1</source>
        <translation>不是文件：%1</translation>
    </message>
    <message>
        <source>must be a finite number</source>
        <translation>必须是有限的数</translation>
    </message>
    <message>
        <source>out of range: %1 (must be &gt;= %2)</source>
        <translation>超出范围：%1（必须 &gt;= %2）</translation>
    </message>
    <message>
        <source>out of range: %1 (must be &gt; %2)</source>
        <translation>超出范围：%1（必须 &gt; %2）</translation>
    </message>
    <message>
        <source>out of range: %1 (must be &lt;= %2)</source>
        <translation>超出范围：%1（必须 &lt;= %2）</translation>
    </message>
    <message>
        <source>out of range: %1 (must be &lt; %2)</source>
        <translation>超出范围：%1（必须 &lt; %2）</translation>
    </message>
    <message>
        <source>required: the LMDB folder of the training split</source>
        <translation>必填：训练集的 LMDB 文件夹</translation>
    </message>
    <message>
        <source>%1 is longer than the %2 positions of text model %3</source>
        <translation>%1 超过了文本模型 %3 的 %2 个位置</translation>
    </message>
    <message>
        <source>unknown precision &apos;%1&apos; (amp, fp16, fp32 or bf16)</source>
        <translation>未知精度“%1”（amp、fp16、fp32 或 bf16）</translation>
    </message>
    <message>
        <source>%1 needs a CUDA device; with device cpu use fp32 or bf16</source>
        <translation>%1 需要 CUDA 设备；设备为 cpu 时请用 fp32 或 bf16</translation>
    </message>
    <message>
        <source>neither max_steps nor max_epochs is set: one of them says how long to train</source>
        <translation>max_steps 与 max_epochs 均未设置：需要其中之一来确定训练多久</translation>
    </message>
    <message>
        <source>required when distillation is on</source>
        <translation>开启知识蒸馏时必填</translation>
    </message>
    <message>
        <source>required: the folder that holds the run folders</source>
        <translation>必填：存放运行文件夹的目录</translation>
    </message>
    <message>
        <source>not a folder: %1</source>
        <translation>不是文件夹：%1</translation>
    </message>
    <message>
        <source>required: the run folder&apos;s name</source>
        <translation>必填：运行文件夹的名称</translation>
    </message>
    <message>
        <source>&apos;%1&apos; is not a folder name (no &apos;/&apos;, &apos;.&apos; or &apos;..&apos;)</source>
        <translation>“%1”不是有效的文件夹名称（不能含 &apos;/&apos;，也不能是 &apos;.&apos; 或 &apos;..&apos;）</translation>
    </message>
    <message>
        <source>unknown device &apos;%1&apos; (auto, cpu, cuda or cuda:N)</source>
        <translation>未知设备“%1”（auto、cpu、cuda 或 cuda:N）</translation>
    </message>
    <message>
        <source>expected a JSON object of options, got %1</source>
        <translation>应为包含选项的 JSON 对象，实际为 %1</translation>
    </message>
    <message>
        <source>unknown key; did you mean %1?</source>
        <translation>未知的键；你是指 %1 吗？</translation>
    </message>
    <message>
        <source>unknown key</source>
        <translation>未知的键</translation>
    </message>
    <message>
        <source>must not be null: expected %1</source>
        <translation>不能为 null：应为%1</translation>
    </message>
    <message>
        <source>wrong type: expected %1, got %2</source>
        <translation>类型错误：应为%1，实际为 %2</translation>
    </message>
    <message>
        <source>%1: not valid JSON: %2</source>
        <translation>%1：不是有效的 JSON：%2</translation>
    </message>
    <message>
        <source>unexpected argument (options look like --batch-size 48)</source>
        <translation>多余的参数（选项形如 --batch-size 48）</translation>
    </message>
    <message>
        <source>unknown option; did you mean %1?</source>
        <translation>未知选项；你是指 %1 吗？</translation>
    </message>
    <message>
        <source>unknown option</source>
        <translation>未知选项</translation>
    </message>
    <message>
        <source>expected true or false, got &apos;%1&apos;</source>
        <translation>应为 true 或 false，实际为“%1”</translation>
    </message>
    <message>
        <source>needs a value</source>
        <translation>需要一个值</translation>
    </message>
    <message>
        <source>expected %1, got &apos;%2&apos;</source>
        <translation>应为%1，实际为“%2”</translation>
    </message>
    <message>
        <source>vision</source>
        <translation>视觉</translation>
    </message>
    <message>
        <source>text</source>
        <translation>文本</translation>
    </message>
    <message>
        <source>true or false</source>
        <translation>true 或 false</translation>
    </message>
    <message>
        <source>a whole number</source>
        <translation>整数</translation>
    </message>
    <message>
        <source>a number</source>
        <translation>数</translation>
    </message>
    <message>
        <source>a string</source>
        <translation>字符串</translation>
    </message>
    <message>
        <source>images</source>
        <translation>图片</translation>
    </message>
    <message>
        <source>texts</source>
        <translation>文本</translation>
    </message>
    <message>
        <source>pairs</source>
        <translation>图文对</translation>
    </message>
    <message>
        <source>%1: the LMDB file %2 is damaged: %3 while %4; it is closed and not read again (rebuild the split with build-lmdb or restore a copy)</source>
        <translation>%1：LMDB 文件 %2 已损坏：%3（%4时）；该文件已关闭，不再读取（请用 build-lmdb 重建该划分，或恢复备份）</translation>
    </message>
    <message>
        <source>%1: the LMDB file %2 is damaged: %3; it is closed and not read again (rebuild the split with build-lmdb or restore a copy)</source>
        <translation>%1：LMDB 文件 %2 已损坏：%3；该文件已关闭，不再读取（请用 build-lmdb 重建该划分，或恢复备份）</translation>
    </message>
    <message>
        <source>%1: %2 is not an LMDB environment (no data.mdb)</source>
        <translation>%1：%2 不是 LMDB 环境（没有 data.mdb）</translation>
    </message>
    <message>
        <source>the file has only %1 bytes, too short to be an LMDB file</source>
        <translation>文件只有 %1 字节，太短，不可能是 LMDB 文件</translation>
    </message>
    <message>
        <source>the file is too short to hold an LMDB header</source>
        <translation>文件太短，放不下 LMDB 文件头</translation>
    </message>
    <message>
        <source>opening it</source>
        <translation>打开文件</translation>
    </message>
    <message>
        <source>counting the entries</source>
        <translation>统计条目数</translation>
    </message>
    <message>
        <source>reading %1</source>
        <translation>读取 %1</translation>
    </message>
    <message>
        <source>%1 imgs</source>
        <translation>%1图片</translation>
    </message>
    <message>
        <source>%1 pairs</source>
        <translation>%1 图文对</translation>
    </message>
    <message>
        <source>%1 pair index %2</source>
        <translation>%1 图文对索引 %2</translation>
    </message>
    <message>
        <source>imgs</source>
        <translation>图片</translation>
    </message>
    <message>
        <source>model</source>
        <translation>模型</translation>
    </message>
    <message>
        <source>cache</source>
        <translation>缓存</translation>
    </message>
    <message>
        <source>records</source>
        <translation>记录</translation>
    </message>
    <message>
        <source>search</source>
        <translation>搜索</translation>
    </message>
    <message>
        <source>done</source>
        <translation>完成</translation>
    </message>
    <message>
        <source>drawing %1 images</source>
        <translation>绘制%1图片</translation>
    </message>
    <message>
        <source>writing LMDB %1</source>
        <translation>写入 LMDB：%1</translation>
    </message>
    <message>
        <source>train</source>
        <translation>训练集</translation>
    </message>
    <message>
        <source>valid</source>
        <translation>验证集</translation>
    </message>
    <message>
        <source>test</source>
        <translation>测试集</translation>
    </message>
</context>
<context>
    <name>DatasetCheckView</name>
    <message>
        <source>%1 pairs and %2 images checked.</source>
        <translation>已检查 %1 个图文对和 %2 张图片。</translation>
    </message>
    <message>
        <source>Run check</source>
        <translation>运行检查</translation>
    </message>
    <message>
        <source>Reads every pair and decodes every image, as `clipwb-cli dataset check` does.</source>
        <translation>读取每个图文对并解码每张图片，与 `clipwb-cli dataset check` 相同。</translation>
    </message>
    <message>
        <source>Open a split, then run the check to find missing or broken records.</source>
        <translation>打开一个数据划分，然后运行检查以查找缺失或损坏的记录。</translation>
    </message>
    <message>
        <source>Problem</source>
        <translation>问题</translation>
    </message>
    <message>
        <source>Pair</source>
        <translation>图文对</translation>
    </message>
    <message>
        <source>Image id</source>
        <translation>图片 ID</translation>
    </message>
    <message>
        <source>Details</source>
        <translation>详情</translation>
    </message>
    <message>
        <source>Run the check to find missing or broken records of this split.</source>
        <translation>运行检查以查找此数据划分中缺失或损坏的记录。</translation>
    </message>
    <message>
        <source>Checking every pair and image…</source>
        <translation>正在检查每个图文对和图片…</translation>
    </message>
    <message>
        <source>&lt;span style=&apos;color:#b00020&apos;&gt;The check failed: %1&lt;/span&gt;</source>
        <translation>&lt;span style=&apos;color:#b00020&apos;&gt;检查失败：%1&lt;/span&gt;</translation>
    </message>
    <message>
        <source>&lt;span style=&apos;color:#1b7a2b&apos;&gt;No problems found.&lt;/span&gt; %1</source>
        <translation>&lt;span style=&apos;color:#1b7a2b&apos;&gt;未发现问题。&lt;/span&gt; %1</translation>
    </message>
    <message numerus="yes">
        <source>&lt;span style=&apos;color:#b00020&apos;&gt;%n problem(s) found.&lt;/span&gt; Double-click one to see the record. %1</source>
        <translation>
            <numerusform>&lt;span style=&apos;color:#b00020&apos;&gt;发现 %n 个问题。&lt;/span&gt; 双击查看对应记录。%1</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>DatasetPage</name>
    <message>
        <source>Open an LMDB split folder (with imgs/ and pairs/ inside), or a dataset folder.</source>
        <translation>打开 LMDB 数据划分文件夹（内含 imgs/ 与 pairs/），或数据集文件夹。</translation>
    </message>
    <message>
        <source>Grid</source>
        <translation>网格</translation>
    </message>
    <message>
        <source>Table</source>
        <translation>表格</translation>
    </message>
    <message>
        <source>Statistics</source>
        <translation>统计</translation>
    </message>
    <message>
        <source>Check</source>
        <translation>检查</translation>
    </message>
    <message>
        <source>searching… %1%</source>
        <translation>正在搜索… %1%</translation>
    </message>
    <message>
        <source>Open folder…</source>
        <translation>打开文件夹…</translation>
    </message>
    <message>
        <source>Split</source>
        <translation>数据划分</translation>
    </message>
    <message>
        <source>Text contains</source>
        <translation>文本包含</translation>
    </message>
    <message>
        <source>Image id</source>
        <translation>图片 ID</translation>
    </message>
    <message>
        <source>Text id</source>
        <translation>文本 ID</translation>
    </message>
    <message>
        <source>Pair index</source>
        <translation>图文对序号</translation>
    </message>
    <message>
        <source>Search captions or ids</source>
        <translation>搜索文本或 ID</translation>
    </message>
    <message>
        <source>Build LMDB…</source>
        <translation>构建 LMDB…</translation>
    </message>
    <message>
        <source>Build LMDB splits from {split}_imgs.tsv and {split}_texts.jsonl</source>
        <translation>由 {split}_imgs.tsv 与 {split}_texts.jsonl 构建 LMDB 数据划分</translation>
    </message>
    <message>
        <source>The tokenizer vocabulary cannot be loaded: %1</source>
        <translation>无法加载分词器词表：%1</translation>
    </message>
    <message>
        <source>Open an LMDB split or dataset folder</source>
        <translation>打开 LMDB 数据划分或数据集文件夹</translation>
    </message>
    <message>
        <source>%1 is not a folder.</source>
        <translation>%1 不是文件夹。</translation>
    </message>
    <message>
        <source>%1 is not an LMDB split (no imgs/ and pairs/ inside) and holds none.</source>
        <translation>%1 不是 LMDB 数据划分（其中没有 imgs/ 和 pairs/），也不包含数据划分。</translation>
    </message>
    <message>
        <source>Cannot open %1: %2</source>
        <translation>无法打开 %1：%2</translation>
    </message>
    <message>
        <source>train_data (config)</source>
        <translation>train_data（配置）</translation>
    </message>
    <message>
        <source>val_data (config)</source>
        <translation>val_data（配置）</translation>
    </message>
    <message>
        <source>&lt;b&gt;%1&lt;/b&gt; — %2 pairs · %3 images</source>
        <translation>&lt;b&gt;%1&lt;/b&gt; — %2 个图文对 · %3 张图片</translation>
    </message>
    <message>
        <source> · showing %1 matches</source>
        <translation> · 显示 %1 个匹配</translation>
    </message>
    <message>
        <source>The statistics could not be computed.</source>
        <translation>无法计算统计信息。</translation>
    </message>
    <message>
        <source>searching…</source>
        <translation>正在搜索…</translation>
    </message>
    <message>
        <source>&lt;span style=&apos;color:#b00020&apos;&gt;%1&lt;/span&gt;</source>
        <translation>&lt;span style=&apos;color:#b00020&apos;&gt;%1&lt;/span&gt;</translation>
    </message>
    <message numerus="yes">
        <source>%n match(es)</source>
        <translation>
            <numerusform>%n 个匹配</numerusform>
        </translation>
    </message>
    <message>
        <source>, %1 unreadable</source>
        <translation>，%1 个无法读取</translation>
    </message>
</context>
<context>
    <name>DatasetStatsView</name>
    <message>
        <source>count</source>
        <translation>数量</translation>
    </message>
    <message>
        <source>Reading the split… %p%</source>
        <translation>正在读取数据划分… %p%</translation>
    </message>
    <message>
        <source>Caption length</source>
        <translation>文本长度</translation>
    </message>
    <message>
        <source>wordpieces (before [CLS]/[SEP])</source>
        <translation>词片数（不含 [CLS]/[SEP]）</translation>
    </message>
    <message>
        <source>Image size</source>
        <translation>图片尺寸</translation>
    </message>
    <message>
        <source>pixels</source>
        <translation>像素</translation>
    </message>
    <message>
        <source>pairs (num_samples)</source>
        <translation>图文对（num_samples）</translation>
    </message>
    <message>
        <source>images (num_images)</source>
        <translation>图片（num_images）</translation>
    </message>
    <message>
        <source>images with pairs</source>
        <translation>有图文对的图片</translation>
    </message>
    <message>
        <source>distinct texts</source>
        <translation>不同文本</translation>
    </message>
    <message>
        <source>most pairs of one image</source>
        <translation>单张图片最多图文对</translation>
    </message>
    <message>
        <source>broken records</source>
        <translation>损坏记录</translation>
    </message>
    <message>
        <source>mean caption length</source>
        <translation>平均文本长度</translation>
    </message>
    <message>
        <source>cut at context_length %1</source>
        <translation>在 context_length %1 处截断</translation>
    </message>
    <message>
        <source>images examined (sample)</source>
        <translation>已检查图片（抽样）</translation>
    </message>
    <message>
        <source>images examined</source>
        <translation>已检查图片</translation>
    </message>
    <message>
        <source>unreadable images</source>
        <translation>无法读取的图片</translation>
    </message>
    <message>
        <source>images missing from imgs</source>
        <translation>imgs 中缺失的图片</translation>
    </message>
    <message>
        <source>formats</source>
        <translation>格式</translation>
    </message>
    <message>
        <source>captions</source>
        <translation>文本</translation>
    </message>
    <message>
        <source>context_length %1 cuts here </source>
        <translation>context_length %1 在此截断 </translation>
    </message>
    <message>
        <source>width</source>
        <translation>宽</translation>
    </message>
    <message>
        <source>height</source>
        <translation>高</translation>
    </message>
</context>
<context>
    <name>DemoProject</name>
    <message>
        <source>Drawing the demo dataset…</source>
        <translation>正在绘制示例数据集…</translation>
    </message>
    <message>
        <source>clipwb demo</source>
        <translation>clipwb 示例</translation>
    </message>
    <message>
        <source>the demo dataset was not written to %1</source>
        <translation>示例数据集未能写入 %1</translation>
    </message>
    <message>
        <source>Demo dataset</source>
        <translation>示例数据集</translation>
    </message>
    <message>
        <source>Cannot make the demo dataset: %1</source>
        <translation>无法生成示例数据集：%1</translation>
    </message>
    <message>
        <source>Demo</source>
        <translation>示例</translation>
    </message>
    <message>
        <source>Demo project ready: Tiny-ViT + Tiny-BERT on the demo dataset in %1. Press F5 (Training &gt; Start) to train it.</source>
        <translation>示例项目已就绪：在 %1 中的示例数据集上训练 Tiny-ViT + Tiny-BERT。按 F5（训练 &gt; 开始）开始训练。</translation>
    </message>
</context>
<context>
    <name>DownloadedModelsButton</name>
    <message>
        <source>Models</source>
        <translation>模型</translation>
    </message>
    <message>
        <source>A pretrained model downloaded with File → Pretrained models…, by name</source>
        <translation>按名称选择通过“文件 → 预训练模型…”下载的预训练模型</translation>
    </message>
    <message>
        <source>No model downloaded yet</source>
        <translation>尚未下载任何模型</translation>
    </message>
    <message>
        <source>%1 (%2 + %3)</source>
        <translation>%1（%2 + %3）</translation>
    </message>
    <message>
        <source>Pretrained models…</source>
        <translation>预训练模型…</translation>
    </message>
</context>
<context>
    <name>LaunchOptionsView</name>
    <message>
        <source>Data-parallel ranks Start launches on this machine (clipwb-cli train --nproc-per-node N): one per GPU, or CPU processes. batch_size is per rank; the global batch is batch_size × ranks.</source>
        <translation>“开始”在本机启动的数据并行进程数（clipwb-cli train --nproc-per-node N）：每个 GPU 一个，或若干 CPU 进程。batch_size 是每个进程的批大小；全局批大小为 batch_size × 进程数。</translation>
    </message>
    <message>
        <source>Processes</source>
        <translation>进程数</translation>
    </message>
    <message numerus="yes">
        <source>%n GPU(s) on this machine</source>
        <translation>
            <numerusform>本机有 %n 个 GPU</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>no GPU: CPU processes (%n core(s))</source>
        <translation>
            <numerusform>无 GPU：CPU 进程（%n 个核心）</numerusform>
        </translation>
    </message>
    <message>
        <source>Machines in the run. This one is node 0 and hosts the rendezvous; each other machine runs the command shown below.</source>
        <translation>参与本次运行的机器数。本机是 0 号节点并负责各节点的会合；其他每台机器运行下方显示的命令。</translation>
    </message>
    <message>
        <source>Machines</source>
        <translation>机器数</translation>
    </message>
    <message>
        <source>this machine&apos;s address, as the others reach it</source>
        <translation>本机地址（其他机器访问本机所用的地址）</translation>
    </message>
    <message>
        <source>port</source>
        <translation>端口</translation>
    </message>
    <message>
        <source>Rendezvous</source>
        <translation>会合地址</translation>
    </message>
    <message>
        <source>On each other machine (same config and data paths there):</source>
        <translation>在其他每台机器上运行（那里的配置和数据路径须相同）：</translation>
    </message>
    <message>
        <source>Save the configuration to name its file.</source>
        <translation>请先保存配置，以确定其文件名。</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <source>clipwb — Chinese-CLIP workbench</source>
        <translation>clipwb — Chinese-CLIP 工作台</translation>
    </message>
    <message>
        <source>Configuration</source>
        <translation>配置</translation>
    </message>
    <message>
        <source>Dataset</source>
        <translation>数据集</translation>
    </message>
    <message>
        <source>Training</source>
        <translation>训练</translation>
    </message>
    <message>
        <source>Checkpoints</source>
        <translation>检查点</translation>
    </message>
    <message>
        <source>Retrieval</source>
        <translation>检索</translation>
    </message>
    <message>
        <source>%1 (%2)</source>
        <translation>%1 (%2)</translation>
    </message>
    <message>
        <source>%1[*] — clipwb</source>
        <translation>%1[*] — clipwb</translation>
    </message>
    <message>
        <source>untitled</source>
        <translation>未命名</translation>
    </message>
    <message>
        <source>Ready</source>
        <translation>就绪</translation>
    </message>
    <message>
        <source>The run has no checkpoint to browse.</source>
        <translation>该运行没有可浏览的检查点。</translation>
    </message>
    <message>
        <source>&amp;File</source>
        <translation>文件(&amp;F)</translation>
    </message>
    <message>
        <source>&amp;Quit</source>
        <translation>退出(&amp;Q)</translation>
    </message>
    <message>
        <source>&amp;Training</source>
        <translation>训练(&amp;T)</translation>
    </message>
    <message>
        <source>&amp;View</source>
        <translation>视图(&amp;V)</translation>
    </message>
    <message>
        <source>&amp;Help</source>
        <translation>帮助(&amp;H)</translation>
    </message>
    <message>
        <source>&amp;About clipwb</source>
        <translation>关于 clipwb(&amp;A)</translation>
    </message>
    <message>
        <source>About clipwb</source>
        <translation>关于 clipwb</translation>
    </message>
    <message>
        <source>&lt;b&gt;clipwb&lt;/b&gt; %1&lt;br&gt;A native workbench for fine-tuning Chinese-CLIP.</source>
        <translation>&lt;b&gt;clipwb&lt;/b&gt; %1&lt;br&gt;用于微调 Chinese-CLIP 的原生桌面工作台。</translation>
    </message>
    <message>
        <source>&amp;Language</source>
        <translation>语言(&amp;L)</translation>
    </message>
    <message>
        <source>System language</source>
        <translation>跟随系统</translation>
    </message>
    <message>
        <source>Language</source>
        <translation>语言</translation>
    </message>
    <message>
        <source>The language changes when clipwb starts again.</source>
        <translation>界面语言将在 clipwb 重新启动后更改。</translation>
    </message>
    <message>
        <source>Restart now</source>
        <translation>立即重启</translation>
    </message>
    <message>
        <source>Later</source>
        <translation>稍后</translation>
    </message>
    <message>
        <source>Unsaved configuration</source>
        <translation>配置未保存</translation>
    </message>
    <message>
        <source>The configuration has unsaved changes.</source>
        <translation>配置有未保存的更改。</translation>
    </message>
    <message>
        <source>%1 has unsaved changes.</source>
        <translation>%1 有未保存的更改。</translation>
    </message>
    <message>
        <source>Save them before closing?</source>
        <translation>关闭前保存吗？</translation>
    </message>
    <message>
        <source>Zero-shot</source>
        <translation>零样本分类</translation>
    </message>
    <message>
        <source>Pretrained &amp;models…</source>
        <translation>预训练模型(&amp;M)…</translation>
    </message>
</context>
<context>
    <name>MemoryEstimateView</name>
    <message>
        <source>Memory</source>
        <translation>内存</translation>
    </message>
    <message>
        <source>Find the largest batch size</source>
        <translation>寻找最大批大小</translation>
    </message>
    <message>
        <source>Largest batch_size that ran: %1</source>
        <translation>能运行的最大 batch_size：%1</translation>
    </message>
    <message>
        <source>Search stopped: %1</source>
        <translation>搜索已停止：%1</translation>
    </message>
    <message>
        <source>Runs one training step at growing batch sizes on %1 (synthetic data) and reports the largest that does not run out of memory</source>
        <translation>在 %1 上以逐步增大的批大小各运行一步训练（合成数据），报告不会耗尽显存的最大值</translation>
    </message>
    <message>
        <source>Needs a CUDA device: on the CPU allocations do not fail (the system swaps or stops the process), so the estimate above is the answer</source>
        <translation>需要 CUDA 设备：在 CPU 上内存分配不会失败（系统会换页或终止进程），因此以上方的估算为准</translation>
    </message>
    <message>
        <source>No estimate: %1</source>
        <translation>无法估算：%1</translation>
    </message>
    <message>
        <source>Trying training steps on the device…</source>
        <translation>正在设备上试运行训练步…</translation>
    </message>
    <message>
        <source>batch_size %1: ran, peak %2</source>
        <translation>batch_size %1：可运行，峰值 %2</translation>
    </message>
    <message>
        <source>batch_size %1: out of memory</source>
        <translation>batch_size %1：显存不足</translation>
    </message>
    <message>
        <source>memory estimate for batch_size %1, precision %2, grad_checkpointing %3, attention %4 on %5:</source>
        <translation>在 %5 上的内存估算（batch_size %1，precision %2，grad_checkpointing %3，注意力 %4）：</translation>
    </message>
    <message>
        <source>on</source>
        <comment>grad_checkpointing</comment>
        <translation>开</translation>
    </message>
    <message>
        <source>off</source>
        <comment>grad_checkpointing</comment>
        <translation>关</translation>
    </message>
    <message>
        <source>fused</source>
        <comment>attention</comment>
        <translation>融合</translation>
    </message>
    <message>
        <source>plain</source>
        <comment>attention</comment>
        <translation>普通</translation>
    </message>
    <message>
        <source>parameters %1 (%2, %3 trainable)</source>
        <translation>参数 %1（%2 个，其中 %3 个可训练）</translation>
    </message>
    <message>
        <source>gradients %1</source>
        <translation>梯度 %1</translation>
    </message>
    <message>
        <source>optimizer state (AdamW) %1</source>
        <translation>优化器状态（AdamW）%1</translation>
    </message>
    <message>
        <source>autocast weight copies %1</source>
        <translation>混合精度权重副本 %1</translation>
    </message>
    <message>
        <source>activations %1 (%2 per sample)</source>
        <translation>激活值 %1（每个样本 %2）</translation>
    </message>
    <message>
        <source>transient buffers %1</source>
        <translation>临时缓冲区 %1</translation>
    </message>
    <message>
        <source>total %1</source>
        <translation>合计 %1</translation>
    </message>
    <message>
        <source>%1: free memory unknown</source>
        <translation>%1：可用内存未知</translation>
    </message>
    <message>
        <source>fits (largest batch_size within %1% of the free memory: %2)</source>
        <translation>可以容纳（可用内存的 %1% 以内最大 batch_size：%2）</translation>
    </message>
    <message>
        <source>does NOT fit: largest batch_size within %1% of the free memory is %2 (raise accum_freq to keep the global batch)</source>
        <translation>容纳不下：可用内存的 %1% 以内最大 batch_size 为 %2（可提高 accum_freq 以保持全局批大小）</translation>
    </message>
    <message>
        <source>; or grad_checkpointing on</source>
        <translation>；或开启 grad_checkpointing</translation>
    </message>
    <message>
        <source>; or precision amp or bf16</source>
        <translation>；或将 precision 设为 amp 或 bf16</translation>
    </message>
    <message>
        <source>%1: %2 free of %3; %4</source>
        <translation>%1：可用 %2，共 %3；%4</translation>
    </message>
</context>
<context>
    <name>MetricChart</name>
    <message>
        <source>step</source>
        <translation>步</translation>
    </message>
    <message>
        <source>elapsed time</source>
        <translation>已用时间</translation>
    </message>
    <message>
        <source>step %1</source>
        <translation>第 %1 步</translation>
    </message>
    <message>
        <source>%1: %2 (%3)</source>
        <translation>%1：%2（%3）</translation>
    </message>
</context>
<context>
    <name>ModelManagerDialog</name>
    <message>
        <source>Pretrained models</source>
        <translation>预训练模型</translation>
    </message>
    <message>
        <source>Model</source>
        <translation>模型</translation>
    </message>
    <message>
        <source>Architecture</source>
        <translation>架构</translation>
    </message>
    <message>
        <source>Size</source>
        <translation>大小</translation>
    </message>
    <message>
        <source>Source</source>
        <translation>来源</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>Hugging Face</source>
        <translation>Hugging Face</translation>
    </message>
    <message>
        <source>ModelScope</source>
        <translation>ModelScope（魔搭）</translation>
    </message>
    <message>
        <source>Custom endpoint</source>
        <translation>自定义地址</translation>
    </message>
    <message>
        <source>https://hf-mirror.com (laid out like Hugging Face)</source>
        <translation>https://hf-mirror.com（与 Hugging Face 相同的目录结构）</translation>
    </message>
    <message>
        <source>Download</source>
        <translation>下载</translation>
    </message>
    <message>
        <source>Verify</source>
        <translation>校验</translation>
    </message>
    <message>
        <source>Import file…</source>
        <translation>导入文件…</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <source>Open folder</source>
        <translation>打开文件夹</translation>
    </message>
    <message>
        <source>Downloads resume where they stopped. Files are checked (size, safe reader, architecture) and their SHA-256 recorded.</source>
        <translation>下载可从中断处继续。文件会经过检查（大小、安全读取、架构），并记录其 SHA-256。</translation>
    </message>
    <message>
        <source>Mirror</source>
        <translation>镜像</translation>
    </message>
    <message>
        <source>Cancelled. Download continues from where it stopped.</source>
        <translation>已取消。再次下载将从中断处继续。</translation>
    </message>
    <message>
        <source>Import a checkpoint</source>
        <translation>导入检查点</translation>
    </message>
    <message>
        <source>Checkpoints (*.pt *.pth);;All files (*)</source>
        <translation>检查点 (*.pt *.pth);;所有文件 (*)</translation>
    </message>
    <message>
        <source>Folder: %1</source>
        <translation>文件夹：%1</translation>
    </message>
    <message>
        <source>not downloaded</source>
        <translation>未下载</translation>
    </message>
    <message>
        <source>downloaded, verified %1 · SHA-256 %2…</source>
        <translation>已下载，%1 已校验 · SHA-256 %2…</translation>
    </message>
    <message>
        <source>partial: %1 (Download resumes it)</source>
        <translation>部分下载：%1（“下载”可继续）</translation>
    </message>
    <message>
        <source>%1 + %2, %3 px</source>
        <translation>%1 + %2，%3 像素</translation>
    </message>
    <message>
        <source>Hugging Face: %1
ModelScope: %2</source>
        <translation>Hugging Face：%1
ModelScope：%2</translation>
    </message>
    <message>
        <source>Cancelling…</source>
        <translation>正在取消…</translation>
    </message>
    <message>
        <source>Downloading %1…</source>
        <translation>正在下载 %1…</translation>
    </message>
    <message>
        <source>Verifying %1 (SHA-256)…</source>
        <translation>正在校验 %1（SHA-256）…</translation>
    </message>
    <message>
        <source>%1 downloaded and verified: %2</source>
        <translation>%1 已下载并校验：%2</translation>
    </message>
    <message>
        <source>%1: OK (size, reader, architecture, SHA-256)</source>
        <translation>%1：正常（大小、读取、架构、SHA-256）</translation>
    </message>
    <message>
        <source>Verifying %1…</source>
        <translation>正在校验 %1…</translation>
    </message>
    <message>
        <source>Checking %1 (SHA-256)…</source>
        <translation>正在检查 %1（SHA-256）…</translation>
    </message>
    <message>
        <source>Imported as %1.</source>
        <translation>已导入为 %1。</translation>
    </message>
    <message>
        <source>Importing %1…</source>
        <translation>正在导入 %1…</translation>
    </message>
</context>
<context>
    <name>ModelPathBox</name>
    <message>
        <source>none</source>
        <translation>无</translation>
    </message>
    <message>
        <source>a checkpoint file or a downloaded model</source>
        <translation>检查点文件或已下载的模型</translation>
    </message>
    <message>
        <source>A checkpoint file (.pt), or an official model downloaded with File → Pretrained models… by name.</source>
        <translation>检查点文件（.pt），或按名称选择通过“文件 → 预训练模型…”下载的官方模型。</translation>
    </message>
    <message>
        <source>%1 + %2: %3</source>
        <translation>%1 + %2：%3</translation>
    </message>
</context>
<context>
    <name>OptionEditor</name>
    <message>
        <source>Unchecked: unset (null), as upstream&apos;s None</source>
        <translation>不勾选：不设置（null），相当于原版的 None</translation>
    </message>
    <message>
        <source>Choose a model config JSON file</source>
        <translation>选择模型配置 JSON 文件</translation>
    </message>
    <message>
        <source>Model config</source>
        <translation>模型配置</translation>
    </message>
    <message>
        <source>Model config (*.json)</source>
        <translation>模型配置 (*.json)</translation>
    </message>
    <message>
        <source>unset</source>
        <translation>未设置</translation>
    </message>
    <message>
        <source>Choose a folder</source>
        <translation>选择文件夹</translation>
    </message>
    <message>
        <source>Choose a file</source>
        <translation>选择文件</translation>
    </message>
    <message>
        <source>Checkpoints and weights (*.pt *.pth *.bin);;All files (*)</source>
        <translation>检查点与权重 (*.pt *.pth *.bin);;所有文件 (*)</translation>
    </message>
</context>
<context>
    <name>PairDetailPane</name>
    <message>
        <source>Select a pair to see it in full.</source>
        <translation>选择一个图文对查看详情。</translation>
    </message>
    <message>
        <source>context_length: [CLS] + wordpieces + [SEP], the rest is cut</source>
        <translation>context_length：[CLS] + 词片 + [SEP]，其余部分被截断</translation>
    </message>
    <message>
        <source>Position</source>
        <translation>位置</translation>
    </message>
    <message>
        <source>Token</source>
        <translation>词元</translation>
    </message>
    <message>
        <source>Id</source>
        <translation>ID</translation>
    </message>
    <message>
        <source>context_length</source>
        <translation>context_length</translation>
    </message>
    <message>
        <source>Caption</source>
        <translation>文本</translation>
    </message>
    <message>
        <source>Every text of this image</source>
        <translation>此图片的全部文本</translation>
    </message>
    <message>
        <source>Tokens</source>
        <translation>分词</translation>
    </message>
    <message>
        <source>no pair selected</source>
        <translation>未选择图文对</translation>
    </message>
    <message>
        <source>&lt;b&gt;Pair %1&lt;/b&gt;</source>
        <translation>&lt;b&gt;图文对 %1&lt;/b&gt;</translation>
    </message>
    <message>
        <source>&lt;span style=&apos;color:#b00020&apos;&gt;This record cannot be read: %1&lt;/span&gt;</source>
        <translation>&lt;span style=&apos;color:#b00020&apos;&gt;无法读取此记录：%1&lt;/span&gt;</translation>
    </message>
    <message>
        <source>broken record</source>
        <translation>损坏的记录</translation>
    </message>
    <message>
        <source>&lt;b&gt;Pair %1&lt;/b&gt; · image id %2 · text id %3</source>
        <translation>&lt;b&gt;图文对 %1&lt;/b&gt; · 图片 ID %2 · 文本 ID %3</translation>
    </message>
    <message>
        <source>decoding…</source>
        <translation>正在解码…</translation>
    </message>
    <message>
        <source>%1 × %2 pixels · %3 · %4 KiB encoded</source>
        <translation>%1 × %2 像素 · %3 · 编码后 %4 KiB</translation>
    </message>
    <message>
        <source>image cannot be shown</source>
        <translation>无法显示图片</translation>
    </message>
    <message>
        <source>&lt;span style=&apos;color:#b00020&apos;&gt;%1&lt;/span&gt;</source>
        <translation>&lt;span style=&apos;color:#b00020&apos;&gt;%1&lt;/span&gt;</translation>
    </message>
    <message>
        <source>Indexing the split to find every text of this image…</source>
        <translation>正在为数据划分建立索引以查找此图片的全部文本…</translation>
    </message>
    <message numerus="yes">
        <source>%n pair(s) share this image.</source>
        <translation>
            <numerusform>%n 个图文对共用此图片。</numerusform>
        </translation>
    </message>
    <message>
        <source>#%1 · text %2 · %3</source>
        <translation>#%1 · 文本 %2 · %3</translation>
    </message>
    <message>
        <source>#%1 · broken: %2</source>
        <translation>#%1 · 损坏：%2</translation>
    </message>
    <message>
        <source>No tokenizer.</source>
        <translation>没有分词器。</translation>
    </message>
    <message>
        <source>✂ cut at context_length %1</source>
        <translation>✂ 在 context_length %1 处截断</translation>
    </message>
    <message>
        <source>cut</source>
        <translation>截断</translation>
    </message>
    <message>
        <source>%1 wordpieces; context_length %2 keeps %3 and cuts %4.</source>
        <translation>%1 个词片；context_length %2 保留 %3 个，截断 %4 个。</translation>
    </message>
    <message>
        <source>%1 wordpieces + [CLS] and [SEP]; %2 padding ids to context_length %3.</source>
        <translation>%1 个词片 + [CLS] 和 [SEP]；补齐 %2 个填充 ID 至 context_length %3。</translation>
    </message>
</context>
<context>
    <name>PairListModel</name>
    <message>
        <source>#%1 broken record</source>
        <translation>#%1 损坏的记录</translation>
    </message>
    <message>
        <source>pair %1 · image %2 · text %3
%4</source>
        <translation>图文对 %1 · 图片 %2 · 文本 %3
%4</translation>
    </message>
</context>
<context>
    <name>PairTableModel</name>
    <message>
        <source>Index</source>
        <translation>序号</translation>
    </message>
    <message>
        <source>Image id</source>
        <translation>图片 ID</translation>
    </message>
    <message>
        <source>Text id</source>
        <translation>文本 ID</translation>
    </message>
    <message>
        <source>Text</source>
        <translation>文本</translation>
    </message>
</context>
<context>
    <name>RankProcesses</name>
    <message>
        <source>Could not start %1: %2</source>
        <translation>无法启动 %1：%2</translation>
    </message>
    <message>
        <source>Cannot start the ranks: %1 is missing (set CLIPWB_CLI to clipwb-cli&apos;s path).</source>
        <translation>无法启动各进程：缺少 %1（请将 CLIPWB_CLI 设为 clipwb-cli 的路径）。</translation>
    </message>
    <message>
        <source>Cannot write the configuration for the ranks: %1</source>
        <translation>无法为各进程写入配置：%1</translation>
    </message>
    <message>
        <source>The rank launcher crashed (%1).</source>
        <translation>进程启动器崩溃（%1）。</translation>
    </message>
    <message>
        <source>The ranks ended with exit code %1.</source>
        <translation>各进程已结束，退出码 %1。</translation>
    </message>
</context>
<context>
    <name>RecallChart</name>
    <message>
        <source>Retrieval recall</source>
        <translation>检索召回率</translation>
    </message>
    <message>
        <source>recall (%)</source>
        <translation>召回率（%）</translation>
    </message>
    <message>
        <source>t2i R@1</source>
        <translation>t2i R@1</translation>
    </message>
    <message>
        <source>t2i R@5</source>
        <translation>t2i R@5</translation>
    </message>
    <message>
        <source>t2i R@10</source>
        <translation>t2i R@10</translation>
    </message>
    <message>
        <source>i2t R@1</source>
        <translation>i2t R@1</translation>
    </message>
    <message>
        <source>i2t R@5</source>
        <translation>i2t R@5</translation>
    </message>
    <message>
        <source>i2t R@10</source>
        <translation>i2t R@10</translation>
    </message>
    <message>
        <source>Click a point to browse retrieval with the checkpoint nearest to that step</source>
        <translation>点击数据点，用最接近该步的检查点浏览检索结果</translation>
    </message>
</context>
<context>
    <name>RecentFilesMenu</name>
    <message>
        <source>(none)</source>
        <translation>（无）</translation>
    </message>
    <message>
        <source>Clear list</source>
        <translation>清空列表</translation>
    </message>
</context>
<context>
    <name>RetrievalCompareView</name>
    <message>
        <source>out: B #%1</source>
        <translation>移出：B #%1</translation>
    </message>
    <message>
        <source>B #%1</source>
        <translation>B #%1</translation>
    </message>
    <message>
        <source>▲ up %1</source>
        <translation>▲ 上升 %1</translation>
    </message>
    <message>
        <source>▼ down %1</source>
        <translation>▼ 下降 %1</translation>
    </message>
    <message>
        <source>new (A #%1)</source>
        <translation>新进（A #%1）</translation>
    </message>
    <message>
        <source>= same</source>
        <translation>= 不变</translation>
    </message>
    <message>
        <source>Free text: no ground truth in the split.</source>
        <translation>自由文本：数据集中没有对应的真实匹配。</translation>
    </message>
    <message>
        <source>Hit: ground truth at rank %1</source>
        <translation>命中：真实匹配排在第 %1 位</translation>
    </message>
    <message>
        <source>Miss: ground truth at rank %1</source>
        <translation>未命中：真实匹配排在第 %1 位</translation>
    </message>
    <message>
        <source>unchanged</source>
        <translation>不变</translation>
    </message>
    <message>
        <source>B ranks it %1 higher</source>
        <translation>B 将其排名提高 %1</translation>
    </message>
    <message>
        <source>B ranks it %1 lower</source>
        <translation>B 将其排名降低 %1</translation>
    </message>
    <message>
        <source>A (baseline)</source>
        <translation>A（基线）</translation>
    </message>
    <message>
        <source>B (compared)</source>
        <translation>B（对比）</translation>
    </message>
    <message>
        <source>Checkpoint file (.pt)</source>
        <translation>检查点文件（.pt）</translation>
    </message>
    <message>
        <source>Browse…</source>
        <translation>浏览…</translation>
    </message>
    <message>
        <source>Open checkpoint</source>
        <translation>打开检查点</translation>
    </message>
    <message>
        <source>Checkpoints (*.pt *.pth);;All files (*)</source>
        <translation>检查点 (*.pt *.pth);;所有文件 (*)</translation>
    </message>
    <message>
        <source>Extract both</source>
        <translation>提取两者特征</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <source>Pick two checkpoints; models and split are those of the Browse settings.</source>
        <translation>选择两个检查点；模型与数据划分沿用“浏览”页的设置。</translation>
    </message>
    <message>
        <source>The same text query on both checkpoints, then press Enter</source>
        <translation>在两个检查点上执行相同的文本查询，输入后按回车</translation>
    </message>
    <message>
        <source>Search both</source>
        <translation>同时检索</translation>
    </message>
    <message>
        <source>A</source>
        <translation>A</translation>
    </message>
    <message>
        <source>B</source>
        <translation>B</translation>
    </message>
    <message>
        <source>Click an image on either side: the texts closest to it on both checkpoints.</source>
        <translation>点击任一侧的图片：显示两个检查点上与之最接近的文本。</translation>
    </message>
    <message>
        <source>Loading the models…</source>
        <translation>正在加载模型…</translation>
    </message>
    <message>
        <source>%1: extracting %2: %3 / %4</source>
        <translation>%1：正在提取%2：%3 / %4</translation>
    </message>
    <message>
        <source>Extraction cancelled.</source>
        <translation>特征提取已取消。</translation>
    </message>
    <message>
        <source>%1 images, %2 texts; features of both cached</source>
        <translation>%1 张图片，%2 条文本；两者的特征均已缓存</translation>
    </message>
    <message>
        <source>Cancelling…</source>
        <translation>正在取消…</translation>
    </message>
    <message>
        <source>Searching…</source>
        <translation>正在检索…</translation>
    </message>
    <message>
        <source>#%1 %2 (%3)
%4</source>
        <translation>#%1 %2（%3）
%4</translation>
    </message>
    <message>
        <source>Ground truth</source>
        <translation>真实匹配</translation>
    </message>
    <message>
        <source>Ground truth: A #%1 → B #%2 (%3)</source>
        <translation>真实匹配：A #%1 → B #%2（%3）</translation>
    </message>
    <message>
        <source>Free text: compare the two top %1 lists.</source>
        <translation>自由文本：比较两个前 %1 名列表。</translation>
    </message>
    <message>
        <source>#%1  %2  %3   [%4]</source>
        <translation>#%1  %2  %3   [%4]</translation>
    </message>
    <message>
        <source>Image %1 → texts; best ground-truth text: A #%2 → B #%3 (%4)</source>
        <translation>图片 %1 → 文本；最佳真实匹配文本：A #%2 → B #%3（%4）</translation>
    </message>
    <message>
        <source>Image %1 → texts (no text of the split describes it)</source>
        <translation>图片 %1 → 文本（数据划分中没有描述它的文本）</translation>
    </message>
</context>
<context>
    <name>RetrievalPage</name>
    <message>
        <source>Checkpoint and data</source>
        <translation>检查点与数据</translation>
    </message>
    <message>
        <source>Browse…</source>
        <translation>浏览…</translation>
    </message>
    <message>
        <source>Checkpoint</source>
        <translation>检查点</translation>
    </message>
    <message>
        <source>Vision</source>
        <translation>视觉</translation>
    </message>
    <message>
        <source>Text</source>
        <translation>文本</translation>
    </message>
    <message>
        <source>Models</source>
        <translation>模型</translation>
    </message>
    <message>
        <source>LMDB split</source>
        <translation>LMDB 数据划分</translation>
    </message>
    <message>
        <source>Extract features</source>
        <translation>提取特征</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <source>Pick a checkpoint and a split, then extract features.</source>
        <translation>选择检查点和数据划分，然后提取特征。</translation>
    </message>
    <message>
        <source>Describe an image (Chinese text), then press Enter</source>
        <translation>描述一张图片（中文），然后按回车</translation>
    </message>
    <message>
        <source>Search</source>
        <translation>检索</translation>
    </message>
    <message>
        <source>Texts closest to the clicked image</source>
        <translation>与所点击图片最接近的文本</translation>
    </message>
    <message>
        <source>Recall on the split (%)</source>
        <translation>数据划分上的召回率（%）</translation>
    </message>
    <message>
        <source>R@1</source>
        <translation>R@1</translation>
    </message>
    <message>
        <source>R@5</source>
        <translation>R@5</translation>
    </message>
    <message>
        <source>R@10</source>
        <translation>R@10</translation>
    </message>
    <message>
        <source>Mean recall</source>
        <translation>平均召回率</translation>
    </message>
    <message>
        <source>Text → image</source>
        <translation>文本 → 图片</translation>
    </message>
    <message>
        <source>Image → text</source>
        <translation>图片 → 文本</translation>
    </message>
    <message>
        <source>Failed text queries (gold not in the top 10); click to run</source>
        <translation>失败的文本查询（真实匹配不在前 10 名）；点击运行</translation>
    </message>
    <message>
        <source>Browse</source>
        <translation>浏览</translation>
    </message>
    <message>
        <source>A/B comparison</source>
        <translation>A/B 对比</translation>
    </message>
    <message>
        <source>Open checkpoint</source>
        <translation>打开检查点</translation>
    </message>
    <message>
        <source>Checkpoints (*.pt *.pth);;All files (*)</source>
        <translation>检查点 (*.pt *.pth);;所有文件 (*)</translation>
    </message>
    <message>
        <source>LMDB split folder</source>
        <translation>LMDB 数据划分文件夹</translation>
    </message>
    <message>
        <source>Loading the model…</source>
        <translation>正在加载模型…</translation>
    </message>
    <message>
        <source>Extracting %1: %2 / %3</source>
        <translation>正在提取%1：%2 / %3</translation>
    </message>
    <message>
        <source>Cancelling…</source>
        <translation>正在取消…</translation>
    </message>
    <message>
        <source>Extraction cancelled.</source>
        <translation>特征提取已取消。</translation>
    </message>
    <message>
        <source>%1 images, %2 texts; features cached in %3</source>
        <translation>%1 张图片，%2 条文本；特征已缓存于 %3</translation>
    </message>
    <message>
        <source>Searching…</source>
        <translation>正在检索…</translation>
    </message>
    <message>
        <source>#%1 %2
%3</source>
        <translation>#%1 %2
%3</translation>
    </message>
    <message>
        <source>Ground truth</source>
        <translation>真实匹配</translation>
    </message>
    <message>
        <source>Free text: no ground truth in the split.</source>
        <translation>自由文本：数据集中没有对应的真实匹配。</translation>
    </message>
    <message>
        <source>Hit: ground truth at rank %1</source>
        <translation>命中：真实匹配排在第 %1 位</translation>
    </message>
    <message>
        <source>Miss: ground truth at rank %1</source>
        <translation>未命中：真实匹配排在第 %1 位</translation>
    </message>
    <message>
        <source>%1  %2</source>
        <translation>%1  %2</translation>
    </message>
    <message>
        <source>Both checkpoints are extracted: compare them on the A/B comparison tab.</source>
        <translation>两个检查点的特征都已提取：请在“A/B 对比”标签页中比较。</translation>
    </message>
    <message>
        <source>A/B comparison: %1</source>
        <translation>A/B 对比：%1</translation>
    </message>
    <message>
        <source>Checking %1…</source>
        <translation>正在检查 %1…</translation>
    </message>
    <message>
        <source>%1: %2 parameters</source>
        <translation>%1：%2 个参数</translation>
    </message>
    <message>
        <source>, step %1</source>
        <translation>，第 %1 步</translation>
    </message>
    <message>
        <source>. Extract features to browse it.</source>
        <translation>。提取特征后即可浏览。</translation>
    </message>
    <message>
        <source>&lt;span style=&apos;color:#b00020&apos;&gt;This checkpoint cannot be used: %1&lt;/span&gt;</source>
        <translation>&lt;span style=&apos;color:#b00020&apos;&gt;无法使用此检查点：%1&lt;/span&gt;</translation>
    </message>
    <message>
        <source>Choose a checkpoint to extract features with.</source>
        <translation>请选择用于提取特征的检查点。</translation>
    </message>
    <message>
        <source>Choose the LMDB split to search (a folder with imgs/ and pairs/).</source>
        <translation>请选择要检索的 LMDB 数据划分（包含 imgs/ 和 pairs/ 的文件夹）。</translation>
    </message>
</context>
<context>
    <name>RunExport</name>
    <message>
        <source>Cannot write %1: %2</source>
        <translation>无法写入 %1：%2</translation>
    </message>
</context>
<context>
    <name>RunLogPane</name>
    <message>
        <source>&lt;b&gt;Log&lt;/b&gt;</source>
        <translation>&lt;b&gt;日志&lt;/b&gt;</translation>
    </message>
    <message>
        <source>Show:</source>
        <translation>显示：</translation>
    </message>
    <message>
        <source>Everything</source>
        <translation>全部</translation>
    </message>
    <message>
        <source>Warnings and errors</source>
        <translation>警告和错误</translation>
    </message>
    <message>
        <source>Errors only</source>
        <translation>仅错误</translation>
    </message>
</context>
<context>
    <name>RunProgressRow</name>
    <message>
        <source>step %v of %m</source>
        <translation>第 %v 步，共 %m 步</translation>
    </message>
    <message>
        <source>Idle</source>
        <translation>空闲</translation>
    </message>
    <message>
        <source>step %1 of %2</source>
        <translation>第 %1 步，共 %2 步</translation>
    </message>
    <message>
        <source>step %1</source>
        <translation>第 %1 步</translation>
    </message>
    <message>
        <source>epoch %1</source>
        <translation>第 %1 轮</translation>
    </message>
    <message>
        <source>epoch —</source>
        <translation>轮次 —</translation>
    </message>
    <message>
        <source>%1 samples/s</source>
        <translation>%1 样本/秒</translation>
    </message>
    <message>
        <source>— samples/s</source>
        <translation>— 样本/秒</translation>
    </message>
    <message>
        <source>done</source>
        <translation>完成</translation>
    </message>
    <message>
        <source>ETA —</source>
        <translation>剩余 —</translation>
    </message>
    <message>
        <source>ETA %1</source>
        <translation>剩余 %1</translation>
    </message>
    <message>
        <source>No process trains this run now.</source>
        <translation>当前没有进程在训练此运行。</translation>
    </message>
    <message>
        <source>data wait %1%</source>
        <translation>等待数据 %1%</translation>
    </message>
    <message>
        <source>data wait —</source>
        <translation>等待数据 —</translation>
    </message>
    <message>
        <source>Share of the step time spent waiting for the data loader (last %1 steps)</source>
        <translation>每步用时中等待数据加载器的比例（最近 %1 步）</translation>
    </message>
    <message>
        <source>GPU %1 / %2 MiB</source>
        <translation>GPU %1 / %2 MiB</translation>
    </message>
    <message>
        <source>Memory in use on %1 (%2), by every process</source>
        <translation>%1（%2）上所有进程占用的显存</translation>
    </message>
    <message>
        <source>GPU memory unknown</source>
        <translation>显存未知</translation>
    </message>
    <message>
        <source>The NVIDIA management library (libnvidia-ml) is not available to read %1&apos;s memory.</source>
        <translation>无法使用 NVIDIA 管理库（libnvidia-ml）读取 %1 的显存。</translation>
    </message>
    <message>
        <source>%1, no GPU</source>
        <translation>%1，无 GPU</translation>
    </message>
    <message>
        <source>Training runs on the CPU: the model lives in the process memory.</source>
        <translation>训练在 CPU 上运行：模型位于进程内存中。</translation>
    </message>
    <message>
        <source>process %1 MiB</source>
        <translation>进程 %1 MiB</translation>
    </message>
    <message>
        <source>Resident memory of clipwb (model, optimizer, data loader and the workbench)</source>
        <translation>clipwb 的常驻内存（模型、优化器、数据加载器与工作台本身）</translation>
    </message>
    <message>
        <source>memory —</source>
        <translation>内存 —</translation>
    </message>
    <message>
        <source>Memory is shown while this window trains.</source>
        <translation>本窗口训练时显示内存占用。</translation>
    </message>
    <message>
        <source>Finished</source>
        <translation>已完成</translation>
    </message>
    <message>
        <source>Following</source>
        <translation>跟踪中</translation>
    </message>
    <message>
        <source>Stopped</source>
        <translation>已停止</translation>
    </message>
</context>
<context>
    <name>ThumbnailCache</name>
    <message>
        <source>image %1 did not decode</source>
        <translation>图片 %1 无法解码</translation>
    </message>
</context>
<context>
    <name>ThumbnailDelegate</name>
    <message>
        <source>#%1 · %2</source>
        <translation>#%1 · %2</translation>
    </message>
</context>
<context>
    <name>TrainingActions</name>
    <message>
        <source>&amp;Open run folder…</source>
        <translation>打开运行文件夹(&amp;O)…</translation>
    </message>
    <message>
        <source>Ctrl+R</source>
        <translation>Ctrl+R</translation>
    </message>
    <message>
        <source>Open a run folder, live or finished</source>
        <translation>打开一个运行文件夹（进行中或已完成）</translation>
    </message>
    <message>
        <source>&amp;Compare with…</source>
        <translation>对比其他运行(&amp;C)…</translation>
    </message>
    <message>
        <source>Ctrl+Shift+R</source>
        <translation>Ctrl+Shift+R</translation>
    </message>
    <message>
        <source>Overlay another run&apos;s curves</source>
        <translation>叠加另一个运行的曲线</translation>
    </message>
    <message>
        <source>&amp;Start</source>
        <translation>开始(&amp;S)</translation>
    </message>
    <message>
        <source>F5</source>
        <translation>F5</translation>
    </message>
    <message>
        <source>Train with the configuration page&apos;s settings</source>
        <translation>使用“配置”页的设置训练</translation>
    </message>
    <message>
        <source>&amp;Pause</source>
        <translation>暂停(&amp;P)</translation>
    </message>
    <message>
        <source>F6</source>
        <translation>F6</translation>
    </message>
    <message>
        <source>Pause training after the current step, or continue</source>
        <translation>在当前步结束后暂停训练，或继续</translation>
    </message>
    <message>
        <source>S&amp;top</source>
        <translation>停止(&amp;T)</translation>
    </message>
    <message>
        <source>Shift+F5</source>
        <translation>Shift+F5</translation>
    </message>
    <message>
        <source>Stop after the current step and save a checkpoint to resume from</source>
        <translation>在当前步结束后停止，并保存可续训的检查点</translation>
    </message>
    <message>
        <source>Save &amp;now</source>
        <translation>立即保存(&amp;N)</translation>
    </message>
    <message>
        <source>Ctrl+Alt+S</source>
        <translation>Ctrl+Alt+S</translation>
    </message>
    <message>
        <source>Save a checkpoint after the current step</source>
        <translation>在当前步结束后保存检查点</translation>
    </message>
    <message>
        <source>&amp;Resume</source>
        <translation>续训(&amp;R)</translation>
    </message>
    <message>
        <source>Ctrl+F5</source>
        <translation>Ctrl+F5</translation>
    </message>
    <message>
        <source>Continue this run exactly where its epoch_latest.pt left it</source>
        <translation>从 epoch_latest.pt 保存的位置精确地继续此运行</translation>
    </message>
    <message>
        <source>Fit</source>
        <translation>适应窗口</translation>
    </message>
    <message>
        <source>Ctrl+0</source>
        <translation>Ctrl+0</translation>
    </message>
    <message>
        <source>Show all data and follow new steps</source>
        <translation>显示全部数据并跟随新的步</translation>
    </message>
    <message>
        <source>Charts as PNG…</source>
        <translation>图表导出为 PNG…</translation>
    </message>
    <message>
        <source>Ctrl+E</source>
        <translation>Ctrl+E</translation>
    </message>
    <message>
        <source>Export the charts as a PNG image</source>
        <translation>将图表导出为 PNG 图片</translation>
    </message>
    <message>
        <source>Charts as PDF…</source>
        <translation>图表导出为 PDF…</translation>
    </message>
    <message>
        <source>Ctrl+Shift+E</source>
        <translation>Ctrl+Shift+E</translation>
    </message>
    <message>
        <source>Export the charts as a PDF document</source>
        <translation>将图表导出为 PDF 文档</translation>
    </message>
    <message>
        <source>Metrics as CSV…</source>
        <translation>指标导出为 CSV…</translation>
    </message>
    <message>
        <source>Ctrl+Alt+E</source>
        <translation>Ctrl+Alt+E</translation>
    </message>
    <message>
        <source>Export every metric record as CSV</source>
        <translation>将全部指标记录导出为 CSV</translation>
    </message>
    <message>
        <source>&amp;Continue</source>
        <translation>继续(&amp;C)</translation>
    </message>
    <message>
        <source>Training is running (%1)</source>
        <translation>训练正在进行（%1）</translation>
    </message>
    <message>
        <source>Another process is training this run now: the dashboard follows it (%1)</source>
        <translation>另一个进程正在训练此运行：面板正在跟踪它（%1）</translation>
    </message>
    <message>
        <source>Open or train a run first: Resume continues its epoch_latest.pt (%1)</source>
        <translation>请先打开或训练一个运行：“续训”从其 epoch_latest.pt 继续（%1）</translation>
    </message>
    <message>
        <source>Nothing to resume: this run has no epoch_latest.pt or it has finished (%1)</source>
        <translation>没有可续训的内容：此运行没有 epoch_latest.pt 或已完成（%1）</translation>
    </message>
    <message>
        <source>Continue this run exactly where %1 left it (%2)</source>
        <translation>从 %1 保存的位置精确地继续此运行（%2）</translation>
    </message>
</context>
<context>
    <name>TrainingCharts</name>
    <message>
        <source>Loss</source>
        <translation>损失</translation>
    </message>
    <message>
        <source>loss</source>
        <translation>损失</translation>
    </message>
    <message>
        <source>train</source>
        <translation>训练</translation>
    </message>
    <message>
        <source>train (smoothed)</source>
        <translation>训练（平滑）</translation>
    </message>
    <message>
        <source>validation</source>
        <translation>验证</translation>
    </message>
    <message>
        <source>compared (smoothed)</source>
        <translation>对比（平滑）</translation>
    </message>
    <message>
        <source>compared validation</source>
        <translation>对比验证</translation>
    </message>
    <message>
        <source>Batch accuracy</source>
        <translation>批内准确率</translation>
    </message>
    <message>
        <source>accuracy</source>
        <translation>准确率</translation>
    </message>
    <message>
        <source>i2t</source>
        <translation>i2t</translation>
    </message>
    <message>
        <source>t2i</source>
        <translation>t2i</translation>
    </message>
    <message>
        <source>val i2t</source>
        <translation>验证 i2t</translation>
    </message>
    <message>
        <source>val t2i</source>
        <translation>验证 t2i</translation>
    </message>
    <message>
        <source>compared i2t</source>
        <translation>对比 i2t</translation>
    </message>
    <message>
        <source>compared t2i</source>
        <translation>对比 t2i</translation>
    </message>
    <message>
        <source>Learning rate</source>
        <translation>学习率</translation>
    </message>
    <message>
        <source>lr</source>
        <translation>学习率</translation>
    </message>
    <message>
        <source>compared lr</source>
        <translation>对比学习率</translation>
    </message>
    <message>
        <source>Logit scale</source>
        <translation>Logit 缩放</translation>
    </message>
    <message>
        <source>logit scale</source>
        <translation>logit 缩放</translation>
    </message>
    <message>
        <source>compared</source>
        <translation>对比</translation>
    </message>
    <message>
        <source>Throughput</source>
        <translation>吞吐量</translation>
    </message>
    <message>
        <source>samples/s</source>
        <translation>样本/秒</translation>
    </message>
    <message>
        <source>Step time</source>
        <translation>每步用时</translation>
    </message>
    <message>
        <source>seconds</source>
        <translation>秒</translation>
    </message>
    <message>
        <source>step</source>
        <translation>步</translation>
    </message>
    <message>
        <source>waiting for data</source>
        <translation>等待数据</translation>
    </message>
</context>
<context>
    <name>TrainingPage</name>
    <message>
        <source>By step</source>
        <translation>按步数</translation>
    </message>
    <message>
        <source>By time</source>
        <translation>按时间</translation>
    </message>
    <message>
        <source>Key axis of the charts</source>
        <translation>图表的横轴</translation>
    </message>
    <message>
        <source>Log scale</source>
        <translation>对数坐标</translation>
    </message>
    <message>
        <source>  Smoothing </source>
        <translation>  平滑 </translation>
    </message>
    <message>
        <source>Weight of the exponential moving average of the smoothed curves</source>
        <translation>平滑曲线的指数移动平均权重</translation>
    </message>
    <message>
        <source>Export</source>
        <translation>导出</translation>
    </message>
    <message>
        <source>No run open. Press Start (F5) to train the Configuration page&apos;s settings, or open a run folder (Ctrl+R) to follow a run.</source>
        <translation>未打开运行。按“开始”（F5）用“配置”页的设置训练，或打开运行文件夹（Ctrl+R）跟踪一个运行。</translation>
    </message>
    <message>
        <source>Training on %1</source>
        <translation>正在 %1 上训练</translation>
    </message>
    <message>
        <source>Resumed after step %1</source>
        <translation>已从第 %1 步之后续训</translation>
    </message>
    <message>
        <source>Stopped (saved)</source>
        <translation>已停止（已保存）</translation>
    </message>
    <message>
        <source>Finished</source>
        <translation>已完成</translation>
    </message>
    <message>
        <source>Failed</source>
        <translation>失败</translation>
    </message>
    <message>
        <source>Training failed</source>
        <translation>训练失败</translation>
    </message>
    <message>
        <source>A checkpoint will be saved after this step.</source>
        <translation>将在此步结束后保存检查点。</translation>
    </message>
    <message>
        <source>Export failed</source>
        <translation>导出失败</translation>
    </message>
    <message>
        <source>Cannot write %1.</source>
        <translation>无法写入 %1。</translation>
    </message>
    <message>
        <source>PNG images (*.png)</source>
        <translation>PNG 图片 (*.png)</translation>
    </message>
    <message>
        <source>PDF documents (*.pdf)</source>
        <translation>PDF 文档 (*.pdf)</translation>
    </message>
    <message>
        <source>CSV files (*.csv)</source>
        <translation>CSV 文件 (*.csv)</translation>
    </message>
    <message>
        <source>Compare with run folder</source>
        <translation>与运行文件夹对比</translation>
    </message>
    <message>
        <source>Open run folder</source>
        <translation>打开运行文件夹</translation>
    </message>
    <message>
        <source>Not a run folder</source>
        <translation>不是运行文件夹</translation>
    </message>
    <message>
        <source>%1 holds neither config.json nor metrics.jsonl.</source>
        <translation>%1 中既没有 config.json 也没有 metrics.jsonl。</translation>
    </message>
    <message>
        <source>Loading %1…</source>
        <translation>正在加载 %1…</translation>
    </message>
    <message>
        <source>Cannot read the run</source>
        <translation>无法读取该运行</translation>
    </message>
    <message>
        <source>Run: %1%2</source>
        <translation>运行：%1%2</translation>
    </message>
    <message>
        <source>   compared with: %1</source>
        <translation>   对比：%1</translation>
    </message>
    <message>
        <source>Training</source>
        <translation>训练</translation>
    </message>
    <message>
        <source>No run is open.</source>
        <translation>未打开运行。</translation>
    </message>
    <message>
        <source>Starting…</source>
        <translation>正在启动…</translation>
    </message>
    <message>
        <source>Set up a configuration on the Configuration page first.</source>
        <translation>请先在“配置”页设置配置。</translation>
    </message>
    <message>
        <source>The configuration is not valid</source>
        <translation>配置无效</translation>
    </message>
    <message>
        <source>The run has finished</source>
        <translation>该运行已完成</translation>
    </message>
    <message>
        <source>The run “%1” has already trained all its steps: starting it again would resume from its last checkpoint and end at once.

Start a new run “%2” with this configuration from the beginning?</source>
        <translation>运行“%1”已训练完全部步数：再次启动会从最后的检查点续训并立即结束。

要用此配置从头开始新的运行“%2”吗？</translation>
    </message>
    <message>
        <source>Start “%1”</source>
        <translation>开始“%1”</translation>
    </message>
    <message>
        <source>Resume “%1” anyway</source>
        <translation>仍然续训“%1”</translation>
    </message>
    <message>
        <source>For a run whose configuration now plans more steps than it trained.</source>
        <translation>适用于配置中计划的步数多于已训练步数的运行。</translation>
    </message>
    <message>
        <source>The run folder of the configuration had finished: training a new run “%1”.</source>
        <translation>配置对应的运行已完成：正在训练新的运行“%1”。</translation>
    </message>
    <message>
        <source>Paused (Continue with %1)</source>
        <translation>已暂停（按 %1 继续）</translation>
    </message>
    <message>
        <source>Stopping after this step…</source>
        <translation>将在此步结束后停止…</translation>
    </message>
    <message>
        <source>Stopping: a checkpoint to resume from will be saved.</source>
        <translation>正在停止：将保存可续训的检查点。</translation>
    </message>
    <message>
        <source>Stopping: the window closes once the checkpoint is saved…</source>
        <translation>正在停止：检查点保存后窗口将关闭…</translation>
    </message>
    <message>
        <source>Training: the window closes when it finishes…</source>
        <translation>训练中：训练结束后窗口将关闭…</translation>
    </message>
    <message>
        <source>Training is running</source>
        <translation>训练正在进行</translation>
    </message>
    <message>
        <source>Training is running. What should happen to it?</source>
        <translation>训练正在进行。要如何处理？</translation>
    </message>
    <message>
        <source>&lt;b&gt;Stop and save&lt;/b&gt; finishes the current step, saves epoch_latest.pt (Resume continues from it) and closes.&lt;br&gt;&lt;b&gt;Keep training&lt;/b&gt; closes the window when the run finishes.</source>
        <translation>&lt;b&gt;停止并保存&lt;/b&gt;：完成当前步，保存 epoch_latest.pt（可由“续训”继续）后关闭。&lt;br&gt;&lt;b&gt;继续训练&lt;/b&gt;：训练结束后关闭窗口。</translation>
    </message>
    <message>
        <source>Stop and save</source>
        <translation>停止并保存</translation>
    </message>
    <message>
        <source>Keep training</source>
        <translation>继续训练</translation>
    </message>
    <message>
        <source>The window will close when training finishes.</source>
        <translation>训练结束后窗口将关闭。</translation>
    </message>
    <message>
        <source>A checkpoint will be saved when training continues.</source>
        <translation>训练继续时将保存检查点。</translation>
    </message>
    <message>
        <source>Paused: the checkpoint is saved when training continues (%1)</source>
        <translation>已暂停：训练继续时保存检查点（%1）</translation>
    </message>
    <message>
        <source>Training on %1, %2 ranks</source>
        <translation>正在 %1 上训练，%2 个进程</translation>
    </message>
    <message>
        <source>Training on %1, %2 ranks (%3 on this machine)</source>
        <translation>正在 %1 上训练，%2 个进程（本机 %3 个）</translation>
    </message>
</context>
<context>
    <name>TrainingWorker</name>
    <message>
        <source>The ranks ended without finishing (exit code %1).</source>
        <translation>各进程未完成训练即已结束（退出码 %1）。</translation>
    </message>
</context>
<context>
    <name>ZeroShotPage</name>
    <message>
        <source>Image folder with one sub-folder per class, e.g. DATAPATH/datasets/cifar-10/test</source>
        <translation>图片文件夹，每个类别一个子文件夹，例如 DATAPATH/datasets/cifar-10/test</translation>
    </message>
    <message>
        <source>Browse…</source>
        <translation>浏览…</translation>
    </message>
    <message>
        <source>Upstream chooses the prompt templates by --dataset name: its own for the ELEVATER sets listed here, &quot;openai&quot; (183 templates) for any other dataset.</source>
        <translation>原版按 --dataset 名称选择提示模板：此处列出的 ELEVATER 数据集使用各自的模板，其他数据集使用 “openai”（183 个模板）。</translation>
    </message>
    <message>
        <source>Optional: a second checkpoint shown side by side (e.g. the pretrained model your fine-tune started from).</source>
        <translation>可选：并排显示的第二个检查点（例如微调起点的预训练模型）。</translation>
    </message>
    <message>
        <source>Run</source>
        <translation>运行</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <source>Pick an image folder and a checkpoint, then Run.</source>
        <translation>选择图片文件夹和检查点，然后点击“运行”。</translation>
    </message>
    <message>
        <source>Images</source>
        <translation>图片</translation>
    </message>
    <message>
        <source>Templates</source>
        <translation>模板</translation>
    </message>
    <message>
        <source>Checkpoint A</source>
        <translation>检查点 A</translation>
    </message>
    <message>
        <source>Device</source>
        <translation>设备</translation>
    </message>
    <message>
        <source>Compare with B</source>
        <translation>与 B 对比</translation>
    </message>
    <message>
        <source>One class name a line; line i names the i-th class folder in sorted order.</source>
        <translation>每行一个类别名；第 i 行对应排序后的第 i 个类别文件夹。</translation>
    </message>
    <message>
        <source>One prompt a line, {} for the class name. Duplicates count twice, as upstream&apos;s.</source>
        <translation>每行一个提示，{} 代表类别名。重复的行计两次，与原版相同。</translation>
    </message>
    <message>
        <source>Labels</source>
        <translation>类别标签</translation>
    </message>
    <message>
        <source>Image folder (one sub-folder per class)</source>
        <translation>图片文件夹（每个类别一个子文件夹）</translation>
    </message>
    <message>
        <source>Checkpoint</source>
        <translation>检查点</translation>
    </message>
    <message>
        <source>Checkpoints (*.pt *.pth *.bin);;All files (*)</source>
        <translation>检查点 (*.pt *.pth *.bin);;所有文件 (*)</translation>
    </message>
    <message>
        <source>Cancelled. What was already encoded stays cached.</source>
        <translation>已取消。已编码的部分保留在缓存中。</translation>
    </message>
    <message>
        <source>Labels from %1.</source>
        <translation>类别标签来自 %1。</translation>
    </message>
    <message>
        <source>No label_cn.txt found: the class folder names are the labels; edit them on the left.</source>
        <translation>未找到 label_cn.txt：以类别文件夹名作为标签；可在左侧编辑。</translation>
    </message>
    <message>
        <source>%1 is not a folder.</source>
        <translation>%1 不是文件夹。</translation>
    </message>
    <message>
        <source>the labels</source>
        <translation>类别标签</translation>
    </message>
    <message>
        <source>Pick an image folder.</source>
        <translation>请选择图片文件夹。</translation>
    </message>
    <message>
        <source>Write the class names (one a line).</source>
        <translation>请填写类别名（每行一个）。</translation>
    </message>
    <message>
        <source>Write at least one template, e.g. {}的照片。</source>
        <translation>请至少填写一个模板，例如 {}的照片。</translation>
    </message>
    <message>
        <source>Pick checkpoint A.</source>
        <translation>请选择检查点 A。</translation>
    </message>
    <message>
        <source>Running…</source>
        <translation>正在运行…</translation>
    </message>
    <message>
        <source>Cancelling…</source>
        <translation>正在取消…</translation>
    </message>
    <message>
        <source>done</source>
        <translation>完成</translation>
    </message>
    <message>
        <source>%1 images of %2 classes in %3 s (image features from the cache: only the prompts were encoded).</source>
        <translation>%2 个类别的 %1 张图片，用时 %3 秒（图片特征来自缓存：只编码了提示）。</translation>
    </message>
    <message>
        <source>%1 images of %2 classes in %3 s. Image features are cached: edit the labels or the templates and run again, only the prompts are encoded.</source>
        <translation>%2 个类别的 %1 张图片，用时 %3 秒。图片特征已缓存：修改标签或模板后再次运行，只需编码提示。</translation>
    </message>
</context>
<context>
    <name>ZeroShotResultView</name>
    <message>
        <source>Rows: true class, columns: predicted class. Model</source>
        <translation>行：真实类别，列：预测类别。模型</translation>
    </message>
    <message>
        <source>Show</source>
        <translation>显示</translation>
    </message>
    <message>
        <source>Accuracy</source>
        <translation>准确率</translation>
    </message>
    <message>
        <source>Confusion matrix</source>
        <translation>混淆矩阵</translation>
    </message>
    <message>
        <source>Misclassified</source>
        <translation>分类错误</translation>
    </message>
    <message>
        <source>No result yet.</source>
        <translation>尚无结果。</translation>
    </message>
    <message>
        <source>images A or B got wrong</source>
        <translation>A 或 B 分错的图片</translation>
    </message>
    <message>
        <source>right with B, wrong with A (fixed by B)</source>
        <translation>B 对、A 错（B 纠正）</translation>
    </message>
    <message>
        <source>wrong with B, right with A (broken by B)</source>
        <translation>B 错、A 对（B 变差）</translation>
    </message>
    <message>
        <source>images the model got wrong</source>
        <translation>模型分错的图片</translation>
    </message>
    <message>
        <source>&lt;b&gt;%1&lt;/b&gt; &amp;nbsp; top-1 &lt;b&gt;%2&lt;/b&gt; (%3/%4) &amp;nbsp; top-5 %5 (%6/%4)</source>
        <translation>&lt;b&gt;%1&lt;/b&gt; &amp;nbsp; top-1 &lt;b&gt;%2&lt;/b&gt;（%3/%4）&amp;nbsp; top-5 %5（%6/%4）</translation>
    </message>
    <message>
        <source>B − A: top-1 %1%2 points</source>
        <translation>B − A：top-1 %1%2 个百分点</translation>
    </message>
    <message>
        <source>Class</source>
        <translation>类别</translation>
    </message>
    <message>
        <source>Images</source>
        <translation>图片</translation>
    </message>
    <message>
        <source>%1 top-1 %</source>
        <translation>%1 top-1 %</translation>
    </message>
    <message>
        <source>B − A</source>
        <translation>B − A</translation>
    </message>
    <message>
        <source>%1 → %2: %3 of %4</source>
        <translation>%1 → %2：%4 张中 %3 张</translation>
    </message>
    <message>
        <source>true: %1</source>
        <translation>真实：%1</translation>
    </message>
    <message>
        <source>Misclassified (%1)</source>
        <translation>分类错误（%1）</translation>
    </message>
</context>
<context>
    <name>ZeroShotRunner</name>
    <message>
        <source>loading model</source>
        <translation>加载模型</translation>
    </message>
    <message>
        <source>images</source>
        <translation>图片</translation>
    </message>
    <message>
        <source>class prompts</source>
        <translation>类别提示</translation>
    </message>
</context>
<context>
    <name>clipwb-cli</name>
    <message>
        <source>--%1 takes no value</source>
        <translation>--%1 不接受取值</translation>
    </message>
    <message>
        <source>missing value for --%1</source>
        <translation>--%1 缺少取值</translation>
    </message>
    <message>
        <source>unknown option --%1</source>
        <translation>未知选项 --%1</translation>
    </message>
    <message>
        <source>missing --%1</source>
        <translation>缺少 --%1</translation>
    </message>
    <message>
        <source>--%1 expects an integer, got &apos;%2&apos;</source>
        <translation>--%1 需要整数，得到的是“%2”</translation>
    </message>
    <message>
        <source>--%1 expects a number, got &apos;%2&apos;</source>
        <translation>--%1 需要数字，得到的是“%2”</translation>
    </message>
    <message>
        <source>options:</source>
        <translation>选项：</translation>
    </message>
    <message>
        <source>config check FILE [flags]: print the resolved config or every error</source>
        <translation>config check FILE [参数]：输出解析后的配置或全部错误</translation>
    </message>
    <message>
        <source>tokenize [--context-length N] [--raw]: JSON strings on stdin to token ids</source>
        <translation>tokenize [--context-length N] [--raw]：把标准输入中的 JSON 字符串转成 token id</translation>
    </message>
    <message>
        <source>dataset info|pairs|check|bench LMDB_SPLIT_DIR: inspect an LMDB split</source>
        <translation>dataset info|pairs|check|bench LMDB_SPLIT_DIR：查看 LMDB 数据集</translation>
    </message>
    <message>
        <source>build-lmdb --data-dir DIR --splits train,valid [--lmdb-dir OUT]</source>
        <translation>build-lmdb --data-dir DIR --splits train,valid [--lmdb-dir OUT]：原始数据转 LMDB</translation>
    </message>
    <message>
        <source>make-demo-dataset --out DIR [--train N] [--valid M] [--resolution R]</source>
        <translation>make-demo-dataset --out DIR [--train N] [--valid M] [--resolution R]：生成示例数据集</translation>
    </message>
    <message>
        <source>train [--config FILE.json] [--upstream-flag VALUE ...]</source>
        <translation>train [--config FILE.json] [--原版参数 取值 ...]：训练（微调）</translation>
    </message>
    <message>
        <source>demo [--out DIR]: make the demo dataset, train on it and evaluate, headless</source>
        <translation>demo [--out DIR]：生成示例数据集、训练并评测（无界面）</translation>
    </message>
    <message>
        <source>extract-features (upstream extract_features.py flags)</source>
        <translation>extract-features（原版 extract_features.py 的参数）：特征提取</translation>
    </message>
    <message>
        <source>make-topk-predictions --image-feats F --text-feats F --top-k K --output OUT</source>
        <translation>make-topk-predictions --image-feats F --text-feats F --top-k K --output OUT：Top-K 预测</translation>
    </message>
    <message>
        <source>evaluate GOLD_texts.jsonl PREDICTIONS.jsonl OUTPUT.json</source>
        <translation>evaluate GOLD_texts.jsonl PREDICTIONS.jsonl OUTPUT.json：检索评测</translation>
    </message>
    <message>
        <source>zeroshot-eval (upstream zeroshot_evaluation.py flags)</source>
        <translation>zeroshot-eval（原版 zeroshot_evaluation.py 的参数）：零样本分类评测</translation>
    </message>
    <message>
        <source>models list | download NAME [--mirror huggingface|modelscope|URL] | import FILE | verify NAME</source>
        <translation>models list | download NAME [--mirror huggingface|modelscope|URL] | import FILE | verify NAME：预训练模型</translation>
    </message>
    <message>
        <source>convert-checkpoint IN OUT [--strip-optimizer] [--fp16] | --summary IN</source>
        <translation>convert-checkpoint IN OUT [--strip-optimizer] [--fp16] | --summary IN：转换检查点</translation>
    </message>
    <message>
        <source>export-tensorboard RUN_DIR: TensorBoard event files from the run&apos;s metrics.jsonl</source>
        <translation>export-tensorboard RUN_DIR：由运行的 metrics.jsonl 生成 TensorBoard 事件文件</translation>
    </message>
    <message>
        <source>usage: clipwb-cli COMMAND [ARGS]
       clipwb-cli --version

commands:</source>
        <translation>用法：clipwb-cli 命令 [参数]
      clipwb-cli --version

命令：</translation>
    </message>
    <message>
        <source>clipwb-cli %1: error: %2</source>
        <translation>clipwb-cli %1：错误：%2</translation>
    </message>
    <message>
        <source>usage: clipwb-cli %1
%2</source>
        <translation>用法：clipwb-cli %1
%2</translation>
    </message>
    <message>
        <source>clipwb-cli: unknown command &apos;%1&apos;</source>
        <translation>clipwb-cli：未知命令“%1”</translation>
    </message>
</context>
<context>
    <name>clipwb::config</name>
    <message>
        <source>The demo: Tiny-ViT + Tiny-BERT trained from scratch on the generated demo dataset; a few minutes on a laptop CPU.</source>
        <translation>示例：在生成的示例数据集上从头训练 Tiny-ViT + Tiny-BERT；在笔记本电脑 CPU 上只需几分钟。</translation>
    </message>
    <message>
        <source>MUGE fine-tune of ViT-B-16 for a GPU with 8-12 GB: gradient checkpointing, batches of 32 accumulated 4 times (effective 128), mixed precision, fewer loader threads.</source>
        <translation>适用于 8-12 GB 显存 GPU 的 ViT-B-16 MUGE 微调：重计算、批大小 32 梯度累积 4 次（有效批大小 128）、混合精度、较少的数据加载线程。</translation>
    </message>
    <message>
        <source>The seed&apos;s MUGE fine-tune of ViT-B-16 + RoBERTa-wwm-ext-base-chinese (upstream run_scripts/muge_finetune_vit-b-16_rbt-base.sh); paths are relative to your DATAPATH folder.</source>
        <translation>种子项目的 ViT-B-16 + RoBERTa-wwm-ext-base-chinese MUGE 微调（原版 run_scripts/muge_finetune_vit-b-16_rbt-base.sh）；路径相对于你的 DATAPATH 文件夹。</translation>
    </message>
    <message>
        <source>Data</source>
        <translation>数据</translation>
    </message>
    <message>
        <source>Model</source>
        <translation>模型</translation>
    </message>
    <message>
        <source>Optimisation</source>
        <translation>优化</translation>
    </message>
    <message>
        <source>Evaluation and saving</source>
        <translation>验证与保存</translation>
    </message>
    <message>
        <source>Resume</source>
        <translation>续训</translation>
    </message>
    <message>
        <source>Distillation</source>
        <translation>知识蒸馏</translation>
    </message>
    <message>
        <source>Distributed</source>
        <translation>分布式</translation>
    </message>
    <message>
        <source>Run</source>
        <translation>运行</translation>
    </message>
    <message>
        <source>The LMDB folder of the training split (it holds imgs/ and pairs/, as build-lmdb writes them).</source>
        <translation>训练集的 LMDB 文件夹（内含 imgs/ 与 pairs/，即 build-lmdb 写出的结构）。</translation>
    </message>
    <message>
        <source>The LMDB folder of the validation split. Unset disables validation.</source>
        <translation>验证集的 LMDB 文件夹。不设置则不做验证。</translation>
    </message>
    <message>
        <source>Threads decoding and augmenting training images.</source>
        <translation>解码并增强训练图片的线程数。</translation>
    </message>
    <message>
        <source>Threads decoding validation images.</source>
        <translation>解码验证图片的线程数。</translation>
    </message>
    <message>
        <source>Augment training images (RandomResizedCrop 0.9-1.0 and AutoAugment), as upstream --use-augment.</source>
        <translation>对训练图片做数据增强（RandomResizedCrop 0.9-1.0 与 AutoAugment），同原版 --use-augment。</translation>
    </message>
    <message>
        <source>Maximum text length in tokens, [CLS] and [SEP] included. Longer texts are cut.</source>
        <translation>文本的最大 token 数，含 [CLS] 与 [SEP]。更长的文本会被截断。</translation>
    </message>
    <message>
        <source>The vision backbone: a shipped config name (ViT-B-16, ...) or the path of a JSON config.</source>
        <translation>视觉骨干网络：内置的配置名（ViT-B-16 等）或 JSON 配置文件路径。</translation>
    </message>
    <message>
        <source>The text backbone: a shipped config name (RoBERTa-wwm-ext-base-chinese, ...) or the path of a JSON config.</source>
        <translation>文本骨干网络：内置的配置名（RoBERTa-wwm-ext-base-chinese 等）或 JSON 配置文件路径。</translation>
    </message>
    <message>
        <source>Use fused (flash) attention kernels where the device supports them: faster, less memory.</source>
        <translation>在设备支持时使用融合（flash）注意力算子：更快，更省显存。</translation>
    </message>
    <message>
        <source>Recompute activations in the backward pass instead of storing them: much less memory, about 30% slower.</source>
        <translation>重计算策略：反向传播时重新计算激活值而不保存它们，显存占用大幅降低，速度约慢 30%。</translation>
    </message>
    <message>
        <source>Fraction of image patches randomly dropped during training (FLIP-style speed-up). 0 keeps all.</source>
        <translation>训练时随机丢弃的图像块比例（FLIP 式加速）。0 表示全部保留。</translation>
    </message>
    <message>
        <source>Do not train the vision tower (only the text tower and the logit scale learn).</source>
        <translation>不训练视觉塔（只训练文本塔与 logit_scale）。</translation>
    </message>
    <message>
        <source>OpenAI CLIP weights to initialise the vision tower from. Unset: random or from --resume.</source>
        <translation>用于初始化视觉塔的 OpenAI CLIP 权重。不设置：随机初始化或来自 --resume。</translation>
    </message>
    <message>
        <source>BERT/RoBERTa weights to initialise the text tower from. Unset: random or from --resume.</source>
        <translation>用于初始化文本塔的 BERT/RoBERTa 权重。不设置：随机初始化或来自 --resume。</translation>
    </message>
    <message>
        <source>Training batch size (per device). In-batch negatives: larger batches give a harder task.</source>
        <translation>训练批大小（每个设备）。批内负样本：批越大，对比任务越难。</translation>
    </message>
    <message>
        <source>Validation batch size (per device).</source>
        <translation>验证批大小（每个设备）。</translation>
    </message>
    <message>
        <source>Peak learning rate after warm-up. Unset: upstream&apos;s default for the vision model (5e-4 for ViT-B, 4e-4 for ViT-L).</source>
        <translation>预热后的峰值学习率。不设置：使用原版针对该视觉模型的默认值（ViT-B 为 5e-4，ViT-L 为 4e-4）。</translation>
    </message>
    <message>
        <source>AdamW weight decay (not applied to norms, biases and the logit scale).</source>
        <translation>AdamW 权重衰减（不作用于归一化层、偏置与 logit_scale）。</translation>
    </message>
    <message>
        <source>AdamW beta 1. Unset: upstream&apos;s default for the vision model (0.9).</source>
        <translation>AdamW β1。不设置：使用原版针对该视觉模型的默认值（0.9）。</translation>
    </message>
    <message>
        <source>AdamW beta 2. Unset: upstream&apos;s default for the vision model (0.98 for ViT, 0.999 for RN50).</source>
        <translation>AdamW β2。不设置：使用原版针对该视觉模型的默认值（ViT 为 0.98，RN50 为 0.999）。</translation>
    </message>
    <message>
        <source>AdamW epsilon. Unset: upstream&apos;s default for the vision model (1e-6 for ViT, 1e-8 for RN50).</source>
        <translation>AdamW ε。不设置：使用原版针对该视觉模型的默认值（ViT 为 1e-6，RN50 为 1e-8）。</translation>
    </message>
    <message>
        <source>Steps of linear learning-rate warm-up before the cosine decay.</source>
        <translation>余弦衰减之前线性预热学习率的步数。</translation>
    </message>
    <message>
        <source>Optimizer steps to train for. Has priority over max_epochs.</source>
        <translation>训练的优化器步数，优先于 max_epochs。</translation>
    </message>
    <message>
        <source>Full passes over the training data (used when max_steps is unset).</source>
        <translation>完整遍历训练数据的轮数（未设置 max_steps 时使用）。</translation>
    </message>
    <message>
        <source>Batches whose features are accumulated per optimizer step (a larger effective batch for the contrastive loss).</source>
        <translation>梯度累积：每个优化器步累积多少个批次的特征（为对比损失提供更大的有效批大小）。</translation>
    </message>
    <message>
        <source>Floating point precision: amp (mixed, CUDA), fp16 (CUDA), fp32, or bf16.</source>
        <translation>浮点精度：amp（混合精度，CUDA）、fp16（CUDA）、fp32 或 bf16。</translation>
    </message>
    <message>
        <source>Keep the learning rate constant instead of the warm-up + cosine schedule.</source>
        <translation>保持学习率不变，不使用预热 + 余弦调度。</translation>
    </message>
    <message>
        <source>Validate every N steps. Unset: no validation between steps.</source>
        <translation>每 N 步验证一次。不设置：步与步之间不验证。</translation>
    </message>
    <message>
        <source>Validate every N epochs. Unset: no validation at epoch ends.</source>
        <translation>每 N 轮验证一次。不设置：每轮结束时不验证。</translation>
    </message>
    <message>
        <source>Save a checkpoint every N steps (epoch_E_S.pt). 0 or less disables.</source>
        <translation>每 N 步保存一个检查点（epoch_E_S.pt）。0 或更小表示不保存。</translation>
    </message>
    <message>
        <source>Save a checkpoint every N epochs (epochE.pt). 0 or less disables; epoch_latest.pt is always written.</source>
        <translation>每 N 轮保存一个检查点（epochE.pt）。0 或更小表示不保存；epoch_latest.pt 总会写出。</translation>
    </message>
    <message>
        <source>Write a line to the log every N steps.</source>
        <translation>每 N 步在日志中写一行。</translation>
    </message>
    <message>
        <source>Compute the in-batch image-to-text and text-to-image accuracy of each training batch.</source>
        <translation>计算每个训练批次的批内图到文与文到图准确率。</translation>
    </message>
    <message>
        <source>Checkpoint to start from (a pretrained Chinese-CLIP .pt or one of your runs). Unset: continue from {logs}/{name}/checkpoints/epoch_latest.pt when it exists.</source>
        <translation>起始检查点（预训练的 Chinese-CLIP .pt，或你自己的某次运行）。不设置：若存在 {logs}/{name}/checkpoints/epoch_latest.pt 则从它继续。</translation>
    </message>
    <message>
        <source>Do not restore the optimizer state from the resumed checkpoint (fine-tuning a pretrained model).</source>
        <translation>不从续训的检查点恢复优化器状态（用于微调预训练模型）。</translation>
    </message>
    <message>
        <source>Start from the first batch of epoch 0 instead of where the resumed checkpoint stopped.</source>
        <translation>从第 0 轮的第一个批次开始，而不是从续训检查点停下的位置开始。</translation>
    </message>
    <message>
        <source>Distil from a teacher model (upstream&apos;s flag is spelled --distllation).</source>
        <translation>从教师模型进行知识蒸馏（原版参数拼写为 --distllation）。</translation>
    </message>
    <message>
        <source>The teacher: a CLIP checkpoint (.pt) that clipwb loads; its vision and text models come from {checkpoint}.json or from the config.json of the run folder it belongs to. Upstream&apos;s ModelScope teacher names cannot be downloaded here: convert the teacher to a checkpoint first.</source>
        <translation>教师模型：clipwb 可加载的 CLIP 检查点（.pt）；其视觉与文本模型来自 {checkpoint}.json 或其所在运行文件夹的 config.json。这里无法下载原版的 ModelScope 教师模型名称：请先将教师模型转换为检查点。</translation>
    </message>
    <message>
        <source>Weight of the distillation loss.</source>
        <translation>蒸馏损失的权重。</translation>
    </message>
    <message>
        <source>Do not gather features across devices before the loss (each device uses its own negatives).</source>
        <translation>计算损失前不在设备间汇聚特征（每个设备只使用自己的负样本）。</translation>
    </message>
    <message>
        <source>Let gradients flow through the gathered features of other devices.</source>
        <translation>让梯度流经从其他设备汇聚来的特征。</translation>
    </message>
    <message>
        <source>Synchronise batch-norm statistics across devices (ResNet backbones).</source>
        <translation>在设备间同步批归一化统计量（ResNet 骨干网络）。</translation>
    </message>
    <message>
        <source>Random seed: data order (seed + epoch), augmentation and initialisation.</source>
        <translation>随机种子：数据顺序（seed + epoch）、数据增强与初始化。</translation>
    </message>
    <message>
        <source>Folder holding the run folders ({logs}/{name}). The seed notebook calls it logsfan.</source>
        <translation>存放运行文件夹的目录（{logs}/{name}）。种子项目的 Jupyter 笔记本中称为 logsfan。</translation>
    </message>
    <message>
        <source>Name of the run: its folder under logs, with config.json, metrics.jsonl and checkpoints/.</source>
        <translation>运行名称：即 logs 下的文件夹，内含 config.json、metrics.jsonl 与 checkpoints/。</translation>
    </message>
    <message>
        <source>Where to train: auto (CUDA when available), cpu, cuda or cuda:N.</source>
        <translation>训练设备：auto（有 CUDA 时用 CUDA）、cpu、cuda 或 cuda:N。</translation>
    </message>
    <message>
        <source>Keep only the newest N step and epoch checkpoints (epoch_latest.pt always stays). Unset keeps all.</source>
        <translation>只保留最新的 N 个按步与按轮的检查点（epoch_latest.pt 始终保留）。不设置则全部保留。</translation>
    </message>
</context>
<context>
    <name>main</name>
    <message>
        <source>Chinese-CLIP fine-tuning workbench</source>
        <translation>Chinese-CLIP 微调工作台</translation>
    </message>
    <message>
        <source>Open on page NAME (%1).</source>
        <translation>启动时打开页面 NAME（%1）。</translation>
    </message>
    <message>
        <source>Save a picture of the window to FILE and quit.</source>
        <translation>将窗口截图保存到 FILE 后退出。</translation>
    </message>
    <message>
        <source>Window size WxH (default 1280x820).</source>
        <translation>窗口大小 WxH（默认 1280x820）。</translation>
    </message>
    <message>
        <source>Open the demo project: make the demo dataset on first use and load the demo config (Tiny-ViT + Tiny-BERT), ready to train.</source>
        <translation>打开示例项目：首次使用时生成示例数据集，并载入示例配置（Tiny-ViT + Tiny-BERT），即可开始训练。</translation>
    </message>
    <message>
        <source>Open the run folder DIR on the training dashboard.</source>
        <translation>在训练面板中打开运行文件夹 DIR。</translation>
    </message>
    <message>
        <source>Open the LMDB split (or dataset folder) DIR in the Dataset page.</source>
        <translation>在“数据集”页打开 LMDB 数据划分（或数据集文件夹）DIR。</translation>
    </message>
    <message>
        <source>With --checkpoint: open the retrieval browser&apos;s A/B comparison with FILE as the baseline (A) and the checkpoint as B.</source>
        <translation>与 --checkpoint 一起使用：打开检索浏览器的 A/B 对比，以 FILE 为基线（A），该检查点为 B。</translation>
    </message>
    <message>
        <source>Start training the configuration once the window is open (with --demo: once the demo project is ready).</source>
        <translation>窗口打开后立即开始训练该配置（与 --demo 一起使用时：示例项目就绪后开始）。</translation>
    </message>
    <message>
        <source>Take the --screenshot MS milliseconds after the window is ready.</source>
        <translation>在窗口就绪 MS 毫秒后截取 --screenshot。</translation>
    </message>
    <message>
        <source>Interface language: en or zh_CN (default: the saved choice, else the system locale).</source>
        <translation>界面语言：en 或 zh_CN（默认：已保存的选择，否则跟随系统区域设置）。</translation>
    </message>
    <message>
        <source>Open FILE in the retrieval browser and extract features on the split of its run&apos;s config.json (the screenshot then shows a query). With --zeroshot: checkpoint A of the Zero-shot page.</source>
        <translation>在检索浏览器中打开 FILE，并在其运行的 config.json 指定的数据划分上提取特征（截图将显示一次查询）。与 --zeroshot 一起使用时：作为“零样本分类”页的检查点 A。</translation>
    </message>
    <message>
        <source>Open the Zero-shot page on the image folder DIR (one sub-folder per class, label_cn.txt beside them) and run it with --checkpoint (and --compare as B).</source>
        <translation>在“零样本分类”页打开图片文件夹 DIR（每个类别一个子文件夹，旁边放 label_cn.txt），并用 --checkpoint（以及作为 B 的 --compare）运行。</translation>
    </message>
    <message>
        <source>With --zeroshot: the prompt templates upstream uses for --dataset NAME.</source>
        <translation>与 --zeroshot 一起使用：原版对 --dataset NAME 使用的提示模板。</translation>
    </message>
    <message>
        <source>With --zeroshot: the result tab to show (accuracy, confusion, misclassified).</source>
        <translation>与 --zeroshot 一起使用：要显示的结果标签页（accuracy、confusion、misclassified）。</translation>
    </message>
    <message>
        <source>Open the pretrained model manager (the screenshot then shows it).</source>
        <translation>打开预训练模型管理器（截图将显示它）。</translation>
    </message>
</context>
</TS>
