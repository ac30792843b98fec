# convnet4j training image: CUDA 12.6 + cuDNN 9 runtime with a Java 17 runtime; falls back to the
# CPU backend on machines without a GPU.
#
#   docker build -t convnet4j .
#   docker run --rm --gpus all -v "$PWD/data:/data" -v "$PWD/runs:/runs" convnet4j            # train LeNet
#   docker run --rm --gpus all -v "$PWD/runs:/runs" convnet4j eval /runs/model.safetensors     # any subcommand
#
# Volumes: /data (data sets: --data /data/...), /runs (checkpoints, history.csv, model files).

# ---- build: JDK, Maven and nvcc 12.6 (for the kernels' PTX) -------------------------------------
FROM nvidia/cuda:12.6.3-devel-ubuntu22.04 AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends openjdk-17-jdk-headless maven \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY pom.xml ./
RUN mvn -B -q dependency:go-offline
COPY cuda ./cuda
COPY src ./src
COPY examples ./examples
# target/convnet4j.jar: the runnable CLI with every dependency (JCuda's natives included) inside.
RUN mvn -B -q -DskipTests package

# ---- runtime: CUDA 12.6 runtime, cuBLAS 12 and cuDNN 9, Java 17 ----------------------------------
FROM nvidia/cuda:12.6.3-cudnn-runtime-ubuntu22.04
RUN apt-get update \
 && apt-get install -y --no-install-recommends openjdk-17-jre-headless \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --create-home --uid 1000 convnet4j \
 && mkdir -p /data /runs && chown convnet4j /data /runs
COPY --from=build /src/target/convnet4j.jar /opt/convnet4j/convnet4j.jar
USER convnet4j
WORKDIR /runs
VOLUME ["/data", "/runs"]
# jdk.incubator.vector enables the Vector API SGEMM kernel of the CPU backend (several times faster).
ENTRYPOINT ["java", "--add-modules", "jdk.incubator.vector", "-jar", "/opt/convnet4j/convnet4j.jar"]
CMD ["train", "--model", "lenet", "--epochs", "15", "--schedule", "cosine", "--device", "auto", "--runs", "/runs", "--no-progress"]
